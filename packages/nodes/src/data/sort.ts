import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue } from '@flowstate/sdk';
import { DateTime } from 'luxon';
import { fieldPath, getField, itemError, itemsParam, resolveItems } from './items.js';

const sortKey = z.object({
  field: fieldPath.describe('Dotted path of the field to sort by, e.g. "customer.name"'),
  direction: z.enum(['asc', 'desc']).default('asc').describe('Ascending or descending'),
  type: z
    .enum(['auto', 'number', 'string', 'date'])
    .default('auto')
    .describe(
      'How values compare: auto (numbers as numbers, the rest as text), number, string, or date (ISO text or epoch ms)',
    ),
  nulls: z
    .enum(['first', 'last'])
    .default('last')
    .describe('Where missing and null values go, whatever the direction'),
});
type SortKey = z.output<typeof sortKey>;

const params = z.object({
  items: itemsParam,
  keys: z
    .array(sortKey)
    .min(1)
    .max(20)
    .describe('Sort keys in order of precedence; ties keep their input order (stable)'),
  locale: z
    .string()
    .max(50)
    .optional()
    .describe('Locale for comparing text, e.g. "de" or "sv" (default: a locale-neutral order)'),
  caseSensitive: z.boolean().default(false).describe('Whether "a" and "A" sort apart'),
  numeric: z.boolean().default(true).describe('Compare digits in text as numbers ("a2" < "a10")'),
});

type Comparable = number | string | null;

/** The value of one key of one item in comparable form; `null` for missing or null. */
function comparable(key: SortKey, value: JsonValue | undefined, index: number): Comparable {
  if (value === undefined || value === null) return null;
  switch (key.type) {
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (typeof value === 'string' && value.trim() === '') return null;
      if (Number.isNaN(n))
        throw itemError(
          'data.sort',
          { index, field: key.field },
          `${JSON.stringify(value)} is not a number`,
          'SORT_VALUE_INVALID',
        );
      return n;
    }
    case 'date': {
      const date =
        typeof value === 'number'
          ? DateTime.fromMillis(value)
          : typeof value === 'string'
            ? DateTime.fromISO(value, { setZone: true })
            : DateTime.invalid('not text');
      if (!date.isValid)
        throw itemError(
          'data.sort',
          { index, field: key.field },
          `${JSON.stringify(value)} is not an ISO date or epoch milliseconds`,
          'SORT_VALUE_INVALID',
        );
      return date.toMillis();
    }
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'auto':
      return typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/**
 * Sorts a list by one or more fields, each ascending or descending, as numbers, text (with a
 * locale) or dates, with nulls first or last. Stable: equal items keep their input order.
 */
export const dataSort = defineNode({
  type: 'data.sort',
  name: 'Sort',
  group: 'data',
  description: 'Sorts a list by one or more fields (numbers, text, dates).',
  icon: 'arrow-down-up',
  params,
  sideEffects: false,
  run(ctx) {
    const items = resolveItems('data.sort', ctx.params.items, ctx.input);
    const { keys, locale, caseSensitive, numeric } = ctx.params;
    let collator: Intl.Collator;
    try {
      collator = new Intl.Collator(locale, {
        sensitivity: caseSensitive ? 'variant' : 'accent',
        numeric,
        caseFirst: caseSensitive ? 'upper' : 'false',
      });
    } catch (error) {
      throw new NonRetriableError(
        `data.sort: locale ${JSON.stringify(locale)} is not a valid language tag`,
        {
          code: 'INVALID_LOCALE',
          cause: error,
        },
      );
    }
    const rows = items.map((item, index) => ({
      item,
      index,
      values: keys.map((key) => comparable(key, getField(item, key.field), index)),
    }));
    rows.sort((a, b) => {
      for (const [k, key] of keys.entries()) {
        const order = compareValues(a.values[k] ?? null, b.values[k] ?? null, key, collator);
        if (order !== 0) return order;
      }
      return a.index - b.index;
    });
    return rows.map((row) => row.item);
  },
});

function compareValues(
  a: Comparable,
  b: Comparable,
  key: SortKey,
  collator: Intl.Collator,
): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === (key.nulls === 'first') ? -1 : 1;
  }
  let order: number;
  if (typeof a === 'number' && typeof b === 'number') order = a < b ? -1 : a > b ? 1 : 0;
  else if (typeof a === 'number') order = -1;
  else if (typeof b === 'number') order = 1;
  else order = collator.compare(a, b);
  return key.direction === 'desc' ? -order : order;
}
