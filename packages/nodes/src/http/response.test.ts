import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { FlowstateError, NonRetriableError, RetryAfterError } from '@flowstate/core';
import { decodeBody, readLimited, statusError } from './response.js';

const now = new Date('2025-01-01T00:00:00Z');
const fail = (status: number, headers: Record<string, string> = {}) =>
  statusError({ status, request: 'GET https://x.test/', headers, excerpt: 'oops', now });

describe('statusError', () => {
  test.each([[200], [204], [301], [399]])('%i is success', (status) => {
    expect(fail(status)).toBeUndefined();
  });

  test.each([[429], [500], [502], [503], [599]])('%i is retriable, with Retry-After', (status) => {
    const error = fail(status, { 'retry-after': '7' });
    expect(error).toBeInstanceOf(RetryAfterError);
    expect((error as RetryAfterError).retryAfterMs).toBe(7000);
    expect((error as RetryAfterError).code).toBe(`HTTP_${status}`);
  });

  test.each([[429], [500], [503]])(
    '%i without Retry-After is a retriable FlowstateError',
    (status) => {
      const error = fail(status);
      expect(error).toBeInstanceOf(FlowstateError);
      expect(error).not.toBeInstanceOf(NonRetriableError);
      expect(error).not.toBeInstanceOf(RetryAfterError);
      expect((error as FlowstateError).code).toBe(`HTTP_${status}`);
    },
  );

  test.each([[400], [401], [403], [404], [422]])(
    '%i is non-retriable with status and excerpt',
    (status) => {
      const error = fail(status);
      expect(error).toBeInstanceOf(NonRetriableError);
      expect((error as NonRetriableError).code).toBe(`HTTP_${status}`);
      expect(error?.message).toBe(`GET https://x.test/ answered HTTP ${status}: oops`);
    },
  );
});

describe('decodeBody', () => {
  const bytes = (text: string) => Buffer.from(text);
  test.each([
    ['{"a":1}', 'auto', 'application/json; charset=utf-8', { a: 1 }],
    ['{"a":1}', 'auto', 'application/problem+json', { a: 1 }],
    ['{"a":1}', 'auto', 'text/plain', '{"a":1}'],
    ['not json', 'auto', 'application/json', 'not json'],
    ['', 'auto', 'application/json', null],
    ['[1]', 'json', undefined, [1]],
    ['{"a":1}', 'text', 'application/json', '{"a":1}'],
  ] as const)('%j as %s (%s)', (text, type, contentType, expected) => {
    expect(decodeBody(bytes(text), type, contentType)).toEqual(expected);
  });

  test('json that does not parse is a non-retriable error', () => {
    expect(() => decodeBody(bytes('<html>'), 'json', 'text/html')).toThrow(NonRetriableError);
  });
});

describe('readLimited', () => {
  test('reads up to the limit', async () => {
    expect(
      (await readLimited(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 5)).toString(),
    ).toBe('abcde');
  });

  test('stops and destroys the stream past the limit', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1;
        this.push(Buffer.alloc(1024));
      },
    });
    const error = await readLimited(endless, 4096).catch((e: unknown) => e);
    expect((error as NonRetriableError).code).toBe('RESPONSE_TOO_LARGE');
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(20);
  });
});
