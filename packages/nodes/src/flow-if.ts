import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';
import { isTruthy } from './truthy.js';

/** Routes its input to `true` or `false` (see {@link isTruthy} for what counts as true). */
export const flowIf = defineNode({
  type: 'flow.if',
  name: 'If',
  group: 'control',
  description: 'Sends the input out of "true" or "false" depending on a condition.',
  icon: 'split',
  params: z.object({
    condition: z
      .unknown()
      .optional()
      .describe('Usually an expression, e.g. {{ $input.total > 100 }}; truthy: port "true"'),
  }),
  ports: ['true', 'false'],
  sideEffects: false,
  run: (ctx) => ctx.emit(isTruthy(ctx.params.condition) ? 'true' : 'false', ctx.input),
});
