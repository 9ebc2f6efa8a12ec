import { describe, expect, test } from 'vitest';
import { bindable, toJsonSafe } from './json-safe.js';

describe('toJsonSafe', () => {
  test.each([
    [1n, 1],
    [9007199254740993n, '9007199254740993'],
    [-9007199254740993n, '-9007199254740993'],
    [new Date('2026-01-02T03:04:05.000Z'), '2026-01-02T03:04:05.000Z'],
    [new Date(NaN), null],
    [Buffer.from([0, 255]), 'AP8='],
    [new Uint8Array([1, 2]), 'AQI='],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [undefined, null],
    [{ a: [1n, { b: new Date(0) }] }, { a: [1, { b: '1970-01-01T00:00:00.000Z' }] }],
  ])('%s', (value, expected) => {
    expect(toJsonSafe(value)).toEqual(expected);
  });

  test('bindable sends objects as JSON text and booleans as numbers for SQLite', () => {
    expect(bindable({ a: 1 })).toBe('{"a":1}');
    expect(bindable(true, true)).toBe(1);
    expect(bindable(true)).toBe(true);
  });
});
