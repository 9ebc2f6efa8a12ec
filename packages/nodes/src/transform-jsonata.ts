import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** Computes its output with a JSONata expression over `$input`, `$steps`, `$trigger`, ... */
export const jsonataTransform = defineNode({
  type: 'transform.jsonata',
  name: 'JSONata',
  group: 'data',
  description: 'Reshapes data with a JSONata expression ($input, $steps, $trigger, ...).',
  icon: 'code',
  params: z.object({
    expression: z
      .string()
      .min(1)
      .max(100_000)
      .describe('JSONata expression; its result is the output, e.g. $input.items[price > 10]'),
  }),
  rawParams: ['expression'],
  sideEffects: false,
  run: (ctx) => ctx.evaluate(ctx.params.expression),
});
