import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ERASED, piiNeedles, scrubPii } from './privacy.js';

describe('scrubPii', () => {
  const needles = piiNeedles({
    id: 'c-123',
    name: 'Ann Lee',
    email: 'Ann@Example.com',
    phone: null,
  });

  test.each([
    ['ann@example.com', ERASED],
    ['Please call Ann Lee tomorrow', ERASED],
    ['record c-123 moved', ERASED],
    ['Bob Stone', 'Bob Stone'],
  ])('%s -> %s', (input, expected) => {
    expect(scrubPii(input, needles).value).toBe(expected);
  });

  test('walks arrays and objects, keeps keys and other values, counts replacements', () => {
    const result = scrubPii(
      { contact: { name: 'Ann Lee', score: 40 }, to: ['x@y.z', 'ann@example.com'], ok: true },
      needles,
    );
    expect(result).toEqual({
      value: { contact: { name: ERASED, score: 40 }, to: ['x@y.z', ERASED], ok: true },
      replaced: 2,
    });
  });

  test('needles shorter than 3 characters are ignored', () => {
    expect(piiNeedles({ id: 'ab', name: 'Al', email: 'al@x.io' })).toEqual(['al@x.io']);
  });

  test('no string containing a needle survives, and strings without one are untouched', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ minLength: 3, maxLength: 8 }), (json, needle) => {
        const lower = needle.toLowerCase();
        const { value } = scrubPii(json, [lower]);
        const strings: string[] = [];
        const collect = (v: unknown): void => {
          if (typeof v === 'string') strings.push(v);
          else if (Array.isArray(v)) v.forEach(collect);
          else if (v !== null && typeof v === 'object') Object.values(v).forEach(collect);
        };
        collect(value);
        return strings.every((s) => s === ERASED || !s.toLowerCase().includes(lower));
      }),
    );
  });
});
