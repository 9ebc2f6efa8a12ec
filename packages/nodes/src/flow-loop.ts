import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue } from '@flowstate/sdk';

/**
 * A container: the engine runs the nodes inside it once per item (`$item`, `$index`) with a
 * concurrency limit, then outputs the array of body results out of `done`.
 */
export const flowLoop = defineNode({
  type: 'flow.loop',
  name: 'Loop',
  group: 'control',
  description: 'Runs the nodes inside it once per item; outputs the list of results.',
  icon: 'repeat',
  params: z.object({
    items: z
      .unknown()
      .optional()
      .describe('The array to loop over, e.g. {{ $input.rows }}; each item is $item inside'),
    concurrency: z.int().min(1).max(100).default(1).describe('How many items run at once'),
  }),
  ports: ['done'],
  sideEffects: false,
  run(ctx) {
    const { items, concurrency } = ctx.params;
    if (!Array.isArray(items)) {
      const got = items === null ? 'null' : items === undefined ? 'nothing' : typeof items;
      throw new NonRetriableError(`Loop items must resolve to an array, got ${got}`, {
        code: 'LOOP_ITEMS_NOT_ARRAY',
      });
    }
    return ctx.loop({ items: items as JsonValue[], concurrency });
  },
});
