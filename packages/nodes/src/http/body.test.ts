import { describe, expect, test } from 'vitest';
import type { JsonValue } from '@flowstate/core';
import { encodeBody, type BodyType } from './body.js';

describe('encodeBody', () => {
  test.each([
    ['auto', 'hi', 'hi', 'text/plain; charset=utf-8'],
    ['auto', { a: 1 }, '{"a":1}', 'application/json'],
    ['auto', null, null, undefined],
    ['json', 'hi', '"hi"', 'application/json'],
    ['text', 'a=b', 'a=b', 'text/plain; charset=utf-8'],
    [
      'form',
      { q: 'a b', t: ['x', 'y'], n: 1, e: null },
      'q=a+b&t=x&t=y&n=1&e=',
      'application/x-www-form-urlencoded',
    ],
    ['none', { a: 1 }, null, undefined],
  ] as [BodyType, JsonValue, string | null, string | undefined][])(
    '%s of %j',
    (type, body, expected, contentType) => {
      expect(encodeBody(type, body)).toEqual({ body: expected, contentType });
    },
  );

  test.each([
    ['form', [1, 2]],
    ['form', { nested: { a: 1 } }],
    ['text', { a: 1 }],
    ['multipart', 'text'],
    ['multipart', { f: { base64: '***' } }],
  ] as [BodyType, JsonValue][])('%s refuses %j', (type, body) => {
    expect(() => encodeBody(type, body)).toThrow(
      expect.objectContaining({ code: 'INVALID_HTTP_BODY' }),
    );
  });

  test('multipart quotes names and keeps line breaks out of headers', () => {
    const { body } = encodeBody('multipart', { 'a"b\r\nX-Evil: 1': 'v' });
    expect(String(body)).toContain('name="a%22b  X-Evil: 1"');
    expect(String(body)).not.toContain('\r\nX-Evil');
  });
});
