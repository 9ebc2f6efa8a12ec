import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { testNode } from '@flowstate/sdk';
import { createHttpRequestNode } from '../http-request.js';

const guarded = createHttpRequestNode({
  resolve: async (hostname) => {
    throw new Error(`the guard must refuse ${hostname} before resolving`);
  },
});

const refusal = (url: string) =>
  testNode(guarded, { params: { url, timeoutMs: 2000 } }).then(
    () => undefined,
    (error: unknown) => error as { code?: string },
  );

describe('the guard refuses every spelling of a private address', () => {
  test.each([
    ['decimal IPv4', 'http://2130706433/'],
    ['hex IPv4', 'http://0x7f.1/'],
    ['hex dotted IPv4', 'http://0x7f.0x0.0x0.0x1/'],
    ['octal IPv4', 'http://0177.0.0.1/'],
    ['short IPv4', 'http://127.1/'],
    ['metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['metadata decimal', 'http://2852039166/'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped IPv6 in hex', 'http://[::ffff:7f00:1]/'],
    ['NAT64', 'http://[64:ff9b::7f00:1]/'],
    ['NAT64 metadata', 'http://[64:ff9b::a9fe:a9fe]/'],
    ['6to4', 'http://[2002:7f00:1::]/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['private 10/8 in hex', 'http://0x0a000001/'],
  ])('%s: %s', async (_label, url) => {
    expect(await refusal(url)).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
  });

  test('any loopback address in decimal, hex or octal form is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0xffffff }), async (low) => {
        const value = 0x7f000000 + low;
        const bytes = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
        for (const host of [
          String(value),
          `0x${value.toString(16)}`,
          bytes.map((b) => `0${b.toString(8)}`).join('.'),
          `[::ffff:${bytes.join('.')}]`,
          `[64:ff9b::${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}]`,
        ]) {
          expect(await refusal(`http://${host}/`)).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
        }
      }),
      { numRuns: 50 },
    );
  });

  test('a DNS name that resolves to a private address is refused (fake resolver)', async () => {
    for (const address of [
      '10.1.2.3',
      '192.168.0.1',
      '172.16.5.4',
      '100.64.0.1',
      '::ffff:10.0.0.1',
      'fd00::1',
    ]) {
      const node = createHttpRequestNode({
        resolve: async () => [{ address, family: address.includes(':') ? 6 : 4 }],
      });
      const error = await testNode(node, {
        params: { url: 'http://innocent.example/', timeoutMs: 2000 },
      }).catch((e: unknown) => e);
      expect(error, address).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
      expect((error as Error).message).toContain(address);
    }
  });
});
