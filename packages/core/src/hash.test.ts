import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson, contentHash, sha256Hex } from './hash.js';

describe('canonicalJson', () => {
  test.each<[unknown, string]>([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ z: { y: 1, x: 2 } }, '{"z":{"x":2,"y":1}}'],
    [{ a: undefined, b: () => 1 }, '{}'],
    [[undefined, Number.NaN, Infinity], '[null,null,null]'],
    ['é"\n', '"é\\"\\n"'],
    [undefined, 'null'],
  ])('%j', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  test('parses back to the same value and ignores key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        const reordered = JSON.parse(JSON.stringify(value), (_, v: unknown) =>
          typeof v === 'object' && v !== null && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ) as unknown;
        expect(contentHash(reordered)).toBe(contentHash(value));
      }),
    );
  });
});

describe('sha256Hex', () => {
  test.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['a'.repeat(1000), '41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3'],
  ])('hashes %j', (text, hex) => {
    expect(sha256Hex(text)).toBe(hex);
  });

  test('hashes UTF-8 bytes', () => {
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});
