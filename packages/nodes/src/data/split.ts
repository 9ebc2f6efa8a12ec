import { z } from 'zod';
import { defineNode, type JsonValue } from '@flowstate/sdk';
import { itemsParam, resolveItems } from './items.js';

/** Cuts `items` into consecutive batches of at most `size` (the last may be shorter). */
export function toBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    batches.push(items.slice(start, start + size));
  return batches;
}

/**
 * Cuts a list into batches of N items: outputs a list of lists. Put a `flow.loop` after it
 * with `items: {{ $input }}` to handle one batch per iteration (e.g. a bulk API call per 100).
 */
export const dataSplit = defineNode({
  type: 'data.split',
  name: 'Split into batches',
  group: 'data',
  description: 'Cuts a list into batches of N items (a list of lists), e.g. for a loop.',
  icon: 'rows',
  params: z.object({
    items: itemsParam,
    size: z.int().min(1).max(100_000).describe('Items per batch; the last batch may be shorter'),
  }),
  sideEffects: false,
  run(ctx) {
    const items = resolveItems('data.split', ctx.params.items, ctx.input);
    return toBatches<JsonValue>(items, ctx.params.size);
  },
});
