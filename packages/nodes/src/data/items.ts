import { z } from 'zod';
import { isJsonObject, NonRetriableError, type JsonValue } from '@flowstate/sdk';

/**
 * The `items` param every list node shares: the list to work on. Left empty, the node's input
 * is the list; set it to a template such as `{{ $input.records }}` to pick a nested one.
 */
export const itemsParam = z
  .array(z.json())
  .optional()
  .describe(
    'The list to work on, e.g. {{ $input.records }}. Empty: the node input, which must then be a list.',
  );

/** What a value is, in words fit for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The list a node works on: the `items` param when set, else its input (which must be a list). */
export function resolveItems(
  nodeType: string,
  items: JsonValue[] | undefined,
  input: JsonValue,
): JsonValue[] {
  if (items !== undefined) return items;
  if (Array.isArray(input)) return input;
  throw new NonRetriableError(
    `${nodeType}: the input is ${describeValue(input)}, not a list; set "items" to the list to use (e.g. {{ $input.records }})`,
    { code: 'ITEMS_NOT_A_LIST' },
  );
}

const FIELD_PATH = /^[^.]+(\.[^.]+)*$/;

/** Dotted field path param (`customer.email`); the empty path is refused. */
export const fieldPath = z
  .string()
  .min(1)
  .max(500)
  .regex(FIELD_PATH, 'must be a dotted field path such as "customer.email"');

/**
 * The value at a dotted `path` of `item` (`customer.email`, `lines.0.sku`), or `undefined`
 * when any step is missing. Only own properties are read.
 */
export function getField(item: JsonValue, path: string): JsonValue | undefined {
  let cursor: JsonValue | undefined = item;
  for (const key of path.split('.')) {
    if (Array.isArray(cursor)) {
      const index = Number(key);
      cursor = Number.isInteger(index) ? cursor[index] : undefined;
    } else if (isJsonObject(cursor) && Object.hasOwn(cursor, key)) {
      cursor = cursor[key];
    } else {
      return undefined;
    }
  }
  return cursor;
}

/** An error about one item of the list, naming the node, the item's index and the field. */
export function itemError(
  nodeType: string,
  where: { index: number; field?: string },
  message: string,
  code: string,
  cause?: unknown,
): NonRetriableError {
  const field = where.field === undefined ? '' : `, field "${where.field}"`;
  return new NonRetriableError(`${nodeType}: item ${where.index}${field}: ${message}`, {
    code,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A stable text key for any JSON value: objects with the same fields match in any key order. */
export function canonicalKey(value: JsonValue | undefined): string {
  if (value === undefined) return 'u';
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const sorted: Record<string, JsonValue> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key] as JsonValue);
  return sorted;
}

/** The message of anything thrown (JSONata throws plain objects with a `message`). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}
