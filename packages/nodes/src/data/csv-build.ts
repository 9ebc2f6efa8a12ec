import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { defineNode, isJsonObject, NonRetriableError, type JsonValue } from '@flowstate/sdk';
import { describeValue, itemsParam, resolveItems } from './items.js';

const FORMULA_START = /^[=+\-@\t\r]/;

/** Options of {@link buildCsv}, as the `csv.build` node's params hold them. */
export const csvBuildOptions = z.object({
  columns: z
    .array(z.string().min(1).max(500))
    .max(10_000)
    .optional()
    .describe(
      'Columns in order (dotted names read nested fields); empty: every key, in order of first appearance',
    ),
  delimiter: z.string().min(1).max(5).default(',').describe('Field separator'),
  header: z.boolean().default(true).describe('Write a header row with the column names'),
  quoted: z
    .enum(['auto', 'all'])
    .default('auto')
    .describe('"auto" quotes fields only where needed; "all" quotes every field'),
  recordDelimiter: z.enum(['unix', 'windows']).default('unix').describe('Line ends: \\n or \\r\\n'),
  escapeFormulas: z
    .boolean()
    .default(true)
    .describe(
      "Prefix text starting with = + - @ (or tab, CR) with ' so spreadsheets do not run it as a formula",
    ),
});
export type CsvBuildOptions = z.input<typeof csvBuildOptions>;

function cell(value: JsonValue | undefined, escapeFormulas: boolean): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string')
    return escapeFormulas && FORMULA_START.test(value) ? `'${value}` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function lookup(row: Record<string, JsonValue>, column: string): JsonValue | undefined {
  if (Object.hasOwn(row, column)) return row[column];
  let cursor: JsonValue | undefined = row;
  for (const key of column.split('.'))
    cursor = isJsonObject(cursor) && Object.hasOwn(cursor, key) ? cursor[key] : undefined;
  return cursor;
}

/**
 * Writes rows (objects, or lists of cells) as CSV text. Objects and lists inside cells are
 * written as JSON; null as an empty cell.
 *
 * @example
 * ```ts
 * buildCsv([{ name: 'Ada', note: '=1+1' }]); // 'name,note\nAda,\'=1+1\n'
 * ```
 */
export function buildCsv(rows: readonly JsonValue[], options: CsvBuildOptions = {}): string {
  const o = csvBuildOptions.parse(options);
  if (rows.length === 0 && o.columns === undefined) return '';
  const objects = rows.every(isJsonObject);
  if (!objects && !rows.every(Array.isArray)) {
    const index = rows.findIndex((row) => !isJsonObject(row) && !Array.isArray(row));
    const bad =
      index >= 0 ? index : rows.findIndex((row) => Array.isArray(row) !== Array.isArray(rows[0]));
    throw new NonRetriableError(
      `csv.build: item ${bad} is ${describeValue(rows[bad])}; rows must all be objects or all be lists`,
      { code: 'CSV_ROW_INVALID' },
    );
  }
  let records: string[][];
  let columns: string[] | undefined = o.columns;
  if (objects) {
    if (columns === undefined) {
      const seen = new Set<string>();
      for (const row of rows as Record<string, JsonValue>[])
        for (const key of Object.keys(row)) seen.add(key);
      columns = [...seen];
    }
    const names = columns;
    records = (rows as Record<string, JsonValue>[]).map((row) =>
      names.map((column) => cell(lookup(row, column), o.escapeFormulas)),
    );
  } else {
    records = (rows as JsonValue[][]).map((row) =>
      row.map((value) => cell(value, o.escapeFormulas)),
    );
  }
  const head =
    o.header && columns !== undefined ? [columns.map((c) => cell(c, o.escapeFormulas))] : [];
  return stringify([...head, ...records], {
    delimiter: o.delimiter,
    quoted: o.quoted === 'all',
    quoted_empty: o.quoted === 'all',
    record_delimiter: o.recordDelimiter,
  });
}

/** Writes a list of rows as CSV text, with spreadsheet formula injection escaped by default. */
export const csvBuild = defineNode({
  type: 'csv.build',
  name: 'Build CSV',
  group: 'data',
  description: 'Writes a list of rows as CSV text (header, delimiter, quoting, formula escaping).',
  icon: 'table',
  params: csvBuildOptions.extend({ items: itemsParam }),
  sideEffects: false,
  run(ctx) {
    const { items, ...options } = ctx.params;
    return buildCsv(resolveItems('csv.build', items, ctx.input), options);
  },
});
