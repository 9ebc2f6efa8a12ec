import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue } from '@flowstate/sdk';
import { describeValue } from './items.js';

/** Options of {@link parseCsv}, as the `csv.parse` node's params hold them. */
export const csvParseOptions = z.object({
  delimiter: z
    .string()
    .min(1)
    .max(5)
    .default('auto')
    .describe(
      'Field separator, e.g. "," ";" "\\t" "|"; "auto" picks the one the first line uses most',
    ),
  header: z
    .boolean()
    .default(true)
    .describe('The first row names the columns: rows become objects (otherwise lists)'),
  columns: z
    .array(z.string().min(1).max(500))
    .max(10_000)
    .optional()
    .describe(
      'Column names to use instead of the header row (with header on, the header row is skipped)',
    ),
  quote: z.string().length(1).default('"').describe('Quote character around fields'),
  inferTypes: z
    .boolean()
    .default(false)
    .describe('Turn numbers, true/false and empty cells into numbers, booleans and null'),
  trim: z.boolean().default(false).describe('Trim spaces around unquoted fields'),
  skipEmptyLines: z.boolean().default(true).describe('Ignore empty lines'),
  relaxColumnCount: z
    .boolean()
    .default(false)
    .describe('Accept rows with more or fewer fields than the header instead of failing'),
  comment: z
    .string()
    .length(1)
    .optional()
    .describe('Lines starting with this character are ignored'),
  maxRows: z
    .int()
    .min(1)
    .max(10_000_000)
    .default(100_000)
    .describe('Fail when there are more data rows'),
  maxBytes: z
    .int()
    .min(1)
    .max(512 * 1024 * 1024)
    .default(50 * 1024 * 1024)
    .describe('Fail when the text is longer (UTF-8 bytes)'),
});
export type CsvParseOptions = z.input<typeof csvParseOptions>;

/** A CSV that cannot be read: `line` is the 1-based line where the reader stopped. */
export class CsvParseError extends NonRetriableError {
  override name = 'CsvParseError';
  readonly line: number | undefined;
  constructor(message: string, options: { code: string; line?: number; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause });
    this.line = options.line;
  }
}

const CANDIDATES = [',', ';', '\t', '|'];

/** The separator the first line uses most (outside quotes); "," when none appears. */
export function sniffDelimiter(text: string, quote = '"'): string {
  const counts = new Map(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const char of text.replace(/^\uFEFF/, '')) {
    if (char === quote) quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const [char, count] of counts) if (count > (counts.get(best) ?? 0)) best = char;
  return best;
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function inferCell(value: string): JsonValue {
  if (value === '') return null;
  if (value === 'true' || value === 'false') return value === 'true';
  if (NUMBER.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n) && (Math.abs(n) <= Number.MAX_SAFE_INTEGER || value.includes('.')))
      return n;
  }
  return value;
}

/**
 * Parses CSV text into rows: objects keyed by column when there is a header (or `columns`),
 * lists otherwise. A byte-order mark is dropped. Errors name the line.
 *
 * @example
 * ```ts
 * parseCsv('name;age\nAda;36', { inferTypes: true }); // [{ name: 'Ada', age: 36 }]
 * ```
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): JsonValue[] {
  const o = csvParseOptions.parse(options);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > o.maxBytes)
    throw new CsvParseError(`CSV is ${bytes} bytes, more than the limit of ${o.maxBytes}`, {
      code: 'CSV_TOO_LARGE',
    });
  const delimiter = o.delimiter === 'auto' ? sniffDelimiter(text, o.quote) : o.delimiter;
  let rows: unknown[];
  try {
    rows = parse(text, {
      bom: true,
      delimiter,
      quote: o.quote,
      columns: o.columns ?? o.header,
      from_line: o.columns !== undefined && o.header ? 2 : 1,
      trim: o.trim,
      skip_empty_lines: o.skipEmptyLines,
      relax_column_count: o.relaxColumnCount,
      ...(o.comment === undefined ? {} : { comment: o.comment }),
      ...(o.inferTypes
        ? {
            cast: (value: string, context: { header: boolean; quoting: boolean }) =>
              context.header || context.quoting ? value : inferCell(value),
          }
        : {}),
      to: o.maxRows + 1,
    }) as unknown[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error['lines'] === 'number' ? error['lines'] : undefined;
      throw new CsvParseError(`CSV is invalid: ${error.message}`, {
        code: error.code,
        line,
        cause: error,
      });
    }
    throw error;
  }
  if (rows.length > o.maxRows)
    throw new CsvParseError(`CSV has more than ${o.maxRows} data rows (maxRows)`, {
      code: 'CSV_TOO_MANY_ROWS',
    });
  return rows as JsonValue[];
}

/** Parses CSV text (the input, or the `text` param) into a list of rows. */
export const csvParse = defineNode({
  type: 'csv.parse',
  name: 'Parse CSV',
  group: 'data',
  description: 'Reads CSV text into a list of rows (objects by header, or lists).',
  icon: 'table',
  params: csvParseOptions.extend({
    text: z
      .string()
      .optional()
      .describe('The CSV text, e.g. {{ $input.body }}; empty: the node input, which must be text'),
  }),
  sideEffects: false,
  run(ctx) {
    const { text, ...options } = ctx.params;
    const source = text ?? ctx.input;
    if (typeof source !== 'string')
      throw new NonRetriableError(
        `csv.parse: the input is ${describeValue(source)}, not text; set "text" to the CSV (e.g. {{ $input.body }})`,
        { code: 'CSV_NOT_TEXT' },
      );
    return parseCsv(source, options);
  },
});
