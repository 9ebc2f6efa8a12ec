import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { defineNode, NonRetriableError } from '@flowstate/sdk';
import { describeValue } from './items.js';

const encoding = z
  .enum(['hex', 'base64', 'base64url'])
  .default('hex')
  .describe('How the digest is written');
const inputEncoding = z
  .enum(['utf8', 'base64', 'hex'])
  .default('utf8')
  .describe('How the input text holds its bytes: utf8 text, or base64/hex-encoded bytes');
const text = z
  .string()
  .max(50 * 1024 * 1024)
  .optional()
  .describe('The text to hash, e.g. {{ $input.body }}; empty: the node input, which must be text');

function bytesOf(nodeType: string, value: unknown, enc: 'utf8' | 'base64' | 'hex'): Buffer {
  if (typeof value !== 'string')
    throw new NonRetriableError(
      `${nodeType}: the input is ${describeValue(value)}, not text; set "value" (e.g. {{ $string($input) }})`,
      { code: 'CRYPTO_INPUT_NOT_TEXT' },
    );
  return Buffer.from(value, enc);
}

/** Hashes text or bytes with MD5, SHA-1 or SHA-2 (for checksums and ids, not for passwords). */
export const cryptoHash = defineNode({
  type: 'crypto.hash',
  name: 'Hash',
  group: 'data',
  description: 'Computes an MD5, SHA-1 or SHA-256/384/512 digest of text or bytes.',
  icon: 'hash',
  params: z.object({
    value: text,
    algorithm: z
      .enum(['md5', 'sha1', 'sha256', 'sha384', 'sha512'])
      .default('sha256')
      .describe('Hash function (md5 and sha1 only for compatibility, not security)'),
    inputEncoding,
    encoding,
  }),
  sideEffects: false,
  run(ctx) {
    const p = ctx.params;
    const bytes = bytesOf('crypto.hash', p.value ?? ctx.input, p.inputEncoding);
    return createHash(p.algorithm).update(bytes).digest(p.encoding);
  },
});

/**
 * Signs text with HMAC, or verifies a given signature in constant time. The key comes from a
 * `secret` credential (preferred: never stored in the workflow) or the `key` param.
 */
export const cryptoHmac = defineNode({
  type: 'crypto.hmac',
  name: 'HMAC',
  group: 'data',
  description: 'Signs text with HMAC-SHA, or verifies a signature in constant time.',
  icon: 'key',
  params: z
    .object({
      operation: z
        .enum(['sign', 'verify'])
        .default('sign')
        .describe('sign: output the signature; verify: output { valid } for the given signature'),
      value: text,
      algorithm: z
        .enum(['sha1', 'sha256', 'sha384', 'sha512'])
        .default('sha256')
        .describe('Hash function'),
      credential: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe('Id of a "secret" credential holding the key'),
      key: z
        .string()
        .min(1)
        .max(65_536)
        .optional()
        .describe('The key itself, when no credential is set (it is stored in the workflow)'),
      signature: z
        .string()
        .max(10_000)
        .optional()
        .describe('For verify: the signature to check, e.g. {{ $input.headers["x-signature"] }}'),
      signaturePrefix: z
        .string()
        .max(50)
        .default('')
        .describe('For verify: a prefix to strip from the signature first, e.g. "sha256="'),
      inputEncoding,
      encoding,
    })
    .refine((p) => p.operation === 'sign' || p.signature !== undefined, {
      message: 'verify needs a signature',
      path: ['signature'],
    }),
  credentials: { credential: ['secret'] },
  sideEffects: false,
  run(ctx) {
    const p = ctx.params;
    const secret = ctx.credentials['credential']?.data['value'] ?? p.key;
    if (secret === undefined)
      throw new NonRetriableError('crypto.hmac: set a "secret" credential or the key param', {
        code: 'HMAC_KEY_MISSING',
      });
    const bytes = bytesOf('crypto.hmac', p.value ?? ctx.input, p.inputEncoding);
    const digest = createHmac(p.algorithm, String(secret)).update(bytes).digest();
    if (p.operation === 'sign') return digest.toString(p.encoding);
    let given = p.signature!.trim();
    if (p.signaturePrefix !== '' && given.startsWith(p.signaturePrefix))
      given = given.slice(p.signaturePrefix.length);
    const expected = Buffer.from(digest.toString(p.encoding), 'utf8');
    const actual = Buffer.from(p.encoding === 'hex' ? given.toLowerCase() : given, 'utf8');
    const valid = actual.length === expected.length && timingSafeEqual(actual, expected);
    return { valid };
  },
});
