import { describe, expect, test } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const now = new Date('2025-10-21T07:28:00Z');

describe('parseRetryAfter', () => {
  test.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Tue, 21 Oct 2025 07:28:30 GMT', 30_000],
    ['Tue, 21 Oct 2025 07:00:00 GMT', 0],
    [['5', '7'], 5000],
    [undefined, undefined],
    ['', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
  ] as const)('%j -> %j', (value, expected) => {
    expect(parseRetryAfter(value as string | string[] | undefined, now)).toBe(expected);
  });
});
