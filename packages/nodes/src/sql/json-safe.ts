import type { JsonValue } from '@flowstate/core';

/**
 * Turns a driver value into JSON: bigint becomes a number when it is exact and a string
 * otherwise, Date an ISO string, Buffer/Uint8Array base64, non-finite numbers strings;
 * objects and arrays (PostgreSQL json and array columns) are converted deeply.
 */
export function toJsonSafe(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJsonSafe(item);
    return out;
  }
  return String(value);
}

/** A JSON parameter as drivers bind it: objects and arrays as JSON text. */
export function bindable(value: JsonValue, booleansAsNumbers = false): unknown {
  if (booleansAsNumbers && typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
