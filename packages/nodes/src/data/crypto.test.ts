import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { testNode, type CredentialValue } from '@flowstate/sdk';
import { cryptoHash, cryptoHmac } from './crypto.js';

const secret: CredentialValue = {
  id: 'c1',
  name: 'Hook secret',
  type: 'secret',
  data: { value: 'key' },
};

describe('crypto.hash', () => {
  test.each([
    ['md5', 'hex', 'abc', 'utf8', '900150983cd24fb0d6963f7d28e17f72'],
    ['sha1', 'hex', 'abc', 'utf8', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    [
      'sha256',
      'hex',
      'abc',
      'utf8',
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ],
    ['sha256', 'base64', 'YWJj', 'base64', 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='],
    [
      'sha512',
      'hex',
      '',
      'utf8',
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    ],
  ])('%s/%s of %j (%s)', async (algorithm, encoding, value, inputEncoding, expected) => {
    const result = await testNode(cryptoHash, {
      params: { algorithm, encoding, value, inputEncoding },
    });
    expect(result.output).toBe(expected);
  });

  test('hashes the input text by default and refuses other input', async () => {
    expect(
      (await testNode(cryptoHash, { input: 'abc', params: { algorithm: 'md5' } })).output,
    ).toBe('900150983cd24fb0d6963f7d28e17f72');
    await expect(testNode(cryptoHash, { input: { a: 1 } })).rejects.toThrow(
      /the input is an object, not text/,
    );
  });
});

describe('crypto.hmac', () => {
  test('signs with the credential (RFC 4231 case 2) or a key param', async () => {
    const rfc = await testNode(cryptoHmac, {
      params: { value: 'what do ya want for nothing?', key: 'Jefe' },
    });
    expect(rfc.output).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const viaCredential = await testNode(cryptoHmac, {
      params: { value: 'body', credential: 'c1', key: 'ignored' },
      credentials: { credential: secret },
    });
    expect(viaCredential.output).toBe(createHmac('sha256', 'key').update('body').digest('hex'));
  });

  test('verify accepts the right signature with a prefix, in any hex case, and nothing else', async () => {
    const signature = `sha256=${createHmac('sha256', 'key').update('body').digest('hex').toUpperCase()}`;
    const verify = (sig: string) =>
      testNode(cryptoHmac, {
        params: {
          operation: 'verify',
          value: 'body',
          signature: sig,
          signaturePrefix: 'sha256=',
          credential: 'c1',
        },
        credentials: { credential: secret },
      });
    expect((await verify(signature)).output).toEqual({ valid: true });
    expect((await verify(signature.slice(0, -1))).output).toEqual({ valid: false });
    expect((await verify('')).output).toEqual({ valid: false });
  });

  test('a signature of other data never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (a, b) => {
        fc.pre(a !== b);
        const signature = createHmac('sha256', 'k').update(a).digest('base64');
        const result = await testNode(cryptoHmac, {
          params: { operation: 'verify', value: b, key: 'k', signature, encoding: 'base64' },
        });
        expect(result.output).toEqual({ valid: false });
      }),
      { numRuns: 30 },
    );
  });

  test('a missing key or signature is refused', async () => {
    await expect(testNode(cryptoHmac, { params: { value: 'x' } })).rejects.toThrow(
      /set a "secret" credential or the key param/,
    );
    await expect(
      testNode(cryptoHmac, { params: { value: 'x', key: 'k', operation: 'verify' } }),
    ).rejects.toThrow(/signature: verify needs a signature/);
    expect(cryptoHmac.credentials).toEqual({ credential: ['secret'] });
  });
});
