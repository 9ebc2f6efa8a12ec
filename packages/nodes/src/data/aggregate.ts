import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonObject, type JsonValue } from '@flowstate/sdk';
import { canonicalKey, fieldPath, getField, itemError, itemsParam, resolveItems } from './items.js';

/** What an aggregation computes over the items of a group. */
export const AGGREGATE_OPERATIONS = [
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'first',
  'last',
  'collect',
  'countDistinct',
] as const;
type Operation = (typeof AGGREGATE_OPERATIONS)[number];

const aggregation = z.object({
  operation: z
    .enum(AGGREGATE_OPERATIONS)
    .describe(
      'count (items, or non-null values of field), sum, avg, min, max, first, last, collect (a list), countDistinct',
    ),
  field: fieldPath
    .optional()
    .describe('Dotted path of the field to aggregate (all but count need one)'),
  as: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Output field name; default "<field>_<operation>" or "count"'),
});
type Aggregation = z.output<typeof aggregation>;

const params = z.object({
  items: itemsParam,
  groupBy: z
    .array(fieldPath)
    .max(20)
    .default([])
    .describe('Fields to group by; empty: the whole list is one group and the output one object'),
  aggregations: z.array(aggregation).min(1).max(100).describe('What to compute per group'),
});

function outputName(a: Aggregation): string {
  return a.as ?? (a.field === undefined ? a.operation : `${a.field}_${a.operation}`);
}

function toNumber(value: JsonValue, index: number, field: string, op: Operation): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (Number.isNaN(n))
    throw itemError(
      'data.aggregate',
      { index, field },
      `${op} needs numbers, got ${JSON.stringify(value)}`,
      'AGGREGATE_NOT_A_NUMBER',
    );
  return n;
}

function ordered(a: JsonValue, b: JsonValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = typeof a === 'string' ? a : JSON.stringify(a);
  const y = typeof b === 'string' ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One aggregation over the (item, input index) pairs of a group. */
function compute(
  a: Aggregation,
  rows: ReadonlyArray<{ item: JsonValue; index: number }>,
): JsonValue {
  if (a.field === undefined) return rows.length;
  const field = a.field;
  const present = rows.flatMap(({ item, index }) => {
    const value = getField(item, field);
    return value === undefined || value === null ? [] : [{ value, index }];
  });
  switch (a.operation) {
    case 'count':
      return present.length;
    case 'sum':
    case 'avg': {
      const sum = present.reduce(
        (total, p) => total + toNumber(p.value, p.index, field, a.operation),
        0,
      );
      if (a.operation === 'sum') return sum;
      return present.length === 0 ? null : sum / present.length;
    }
    case 'min':
    case 'max': {
      let best: JsonValue | null = null;
      for (const { value } of present) {
        if (best === null) best = value;
        else if (a.operation === 'min' ? ordered(value, best) < 0 : ordered(value, best) > 0)
          best = value;
      }
      return best;
    }
    case 'first':
      return present[0]?.value ?? null;
    case 'last':
      return present.at(-1)?.value ?? null;
    case 'collect':
      return present.map((p) => p.value);
    case 'countDistinct':
      return new Set(present.map((p) => canonicalKey(p.value))).size;
  }
}

/**
 * Groups a list by fields and computes count, sum, avg, min, max, first, last, collect or
 * countDistinct per group. Groups come out in the order their first item appears; the group
 * fields are copied to each output object under their dotted names.
 */
export const dataAggregate = defineNode({
  type: 'data.aggregate',
  name: 'Aggregate',
  group: 'data',
  description: 'Groups a list by fields and computes counts, sums, averages, min/max, lists.',
  icon: 'sigma',
  params,
  sideEffects: false,
  run(ctx) {
    const items = resolveItems('data.aggregate', ctx.params.items, ctx.input);
    const { groupBy, aggregations } = ctx.params;
    aggregations.forEach((a, i) => {
      if (a.field === undefined && a.operation !== 'count')
        throw new NonRetriableError(
          `data.aggregate: aggregations[${i}] (${a.operation}) needs a field`,
          {
            code: 'AGGREGATE_FIELD_MISSING',
          },
        );
    });
    const groups = new Map<
      string,
      { keys: JsonValue[]; rows: Array<{ item: JsonValue; index: number }> }
    >();
    items.forEach((item, index) => {
      const keys = groupBy.map((path) => getField(item, path) ?? null);
      const id = canonicalKey(keys);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { keys, rows: [] }));
      group.rows.push({ item, index });
    });
    const outputs = [...groups.values()].map((group) => {
      const out: JsonObject = {};
      groupBy.forEach((path, i) => (out[path] = group.keys[i] ?? null));
      for (const a of aggregations) out[outputName(a)] = compute(a, group.rows);
      return out;
    });
    if (groupBy.length > 0) return outputs;
    return (
      outputs[0] ?? Object.fromEntries(aggregations.map((a) => [outputName(a), compute(a, [])]))
    );
  },
});
