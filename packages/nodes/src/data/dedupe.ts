import { z } from 'zod';
import { defineNode, type JsonValue } from '@flowstate/sdk';
import { canonicalKey, fieldPath, getField, itemsParam, resolveItems } from './items.js';

const params = z.object({
  items: itemsParam,
  keys: z
    .array(fieldPath)
    .max(20)
    .default([])
    .describe('Fields that make two items the same, e.g. ["email"]; empty: the whole item'),
  keep: z
    .enum(['first', 'last'])
    .default('first')
    .describe('Which of the duplicates stays (the survivors keep their input order)'),
  caseSensitive: z
    .boolean()
    .default(true)
    .describe('Whether text keys that differ only in case are different ("A@x.com" vs "a@x.com")'),
});

/** Removes duplicate items; see {@link dataDedupe}. Exported for property tests. */
export function dedupe(
  items: readonly JsonValue[],
  options: { keys: readonly string[]; keep: 'first' | 'last'; caseSensitive: boolean },
): JsonValue[] {
  const keyOf = (item: JsonValue): string => {
    const parts = options.keys.length === 0 ? [item] : options.keys.map((k) => getField(item, k));
    const key = canonicalKey(parts.map((p) => (p === undefined ? null : p)));
    return options.caseSensitive ? key : key.toLowerCase();
  };
  const chosen = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (options.keep === 'last' || !chosen.has(key)) chosen.set(key, index);
  });
  const survivors = new Set(chosen.values());
  return items.filter((_, index) => survivors.has(index));
}

/** Removes duplicates from a list, by some fields or by the whole item, keeping the first or last. */
export const dataDedupe = defineNode({
  type: 'data.dedupe',
  name: 'Remove duplicates',
  group: 'data',
  description: 'Removes duplicate items (by fields or the whole item), keeping the first or last.',
  icon: 'copy-minus',
  params,
  sideEffects: false,
  run(ctx) {
    const items = resolveItems('data.dedupe', ctx.params.items, ctx.input);
    return dedupe(items, ctx.params);
  },
});
