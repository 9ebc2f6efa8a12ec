import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlowstateError, NonRetriableError, RetryAfterError } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { createHttpRequestNode } from './http-request.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Routes by path; records every request so tests can assert what was sent. */
const routes: Record<string, Handler> = {
  '/json': (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  },
  '/echo': (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(seen.at(-1)));
    void req;
  },
  '/text': (_req, res) => res.end('plain text'),
  '/429-seconds': (_req, res) => res.writeHead(429, { 'retry-after': '3' }).end('slow down'),
  '/503-date': (_req, res) =>
    res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end(),
  '/500': (_req, res) => res.writeHead(500).end('boom'),
  '/404': (_req, res) => res.writeHead(404).end('no such thing ' + 'x'.repeat(2000)),
  '/big': (_req, res) => {
    // No content-length: the limit must be enforced while streaming.
    const chunk = Buffer.alloc(64 * 1024, 97);
    let sent = 0;
    const pump = (): void => {
      while (sent < 200 && res.write(chunk)) sent += 1;
      if (sent < 200 && !res.destroyed) res.once('drain', pump);
      else res.end();
    };
    pump();
  },
  '/big-declared': (_req, res) => res.writeHead(200, { 'content-length': '999999' }).end(),
  '/hang': () => undefined,
};

const seen: Seen[] = [];
let server: Server;
let base: string;
const http = createHttpRequestNode({ allowedHosts: ['127.0.0.1'] });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const handler = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (handler) handler(req, res);
      else res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const run = (params: Record<string, unknown>, options: Parameters<typeof testNode>[1] = {}) =>
  testNode(http, { ...options, params });

describe('http.request against a local server (allow-listed)', () => {
  test('GET parses a JSON response', async () => {
    const result = await run({ url: `${base}/json` });
    expect(result.port).toBe('out');
    expect(result.output).toMatchObject({ status: 200, body: { ok: true } });
    expect((result.output as { headers: Record<string, string> }).headers['content-type']).toBe(
      'application/json',
    );
  });

  test('POST sends JSON, query, headers and the idempotency key', async () => {
    const result = await run(
      {
        method: 'POST',
        url: `${base}/echo?a=1`,
        query: { b: [2, 3] },
        headers: { 'X-Test': 'yes' },
        body: { n: 1 },
      },
      { executionId: 'ex-42' },
    );
    const echoed = (result.output as unknown as { body: Seen }).body;
    expect(echoed.method).toBe('POST');
    expect(echoed.url).toBe('/echo?a=1&b=2&b=3');
    expect(echoed.body).toBe('{"n":1}');
    expect(echoed.headers['content-type']).toBe('application/json');
    expect(echoed.headers['x-test']).toBe('yes');
    expect(echoed.headers['idempotency-key']).toBe('ex-42:test-node');
    expect(echoed.headers['user-agent']).toBe('Flowstate');
  });

  test('a user-set Idempotency-Key wins; a text body is sent as text', async () => {
    const result = await run({
      method: 'PUT',
      url: `${base}/echo`,
      headers: { 'idempotency-key': 'mine' },
      body: 'hi',
    });
    const echoed = (result.output as unknown as { body: Seen }).body;
    expect(echoed.headers['idempotency-key']).toBe('mine');
    expect(echoed.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(echoed.body).toBe('hi');
  });

  test.each([
    [{ type: 'bearer', data: { token: 'tok-123' } }, 'authorization', 'Bearer tok-123'],
    [
      { type: 'basic', data: { username: 'ada', password: 'p:w' } },
      'authorization',
      `Basic ${Buffer.from('ada:p:w').toString('base64')}`,
    ],
    [{ type: 'header', data: { name: 'X-Api-Key', value: 'k-9' } }, 'x-api-key', 'k-9'],
  ])('a %j credential sends its header, over any header of that name', async (c, header, value) => {
    const credential = { id: 'cred_1', name: 'API', ...c };
    const result = await run(
      {
        url: `${base}/echo`,
        credential: 'cred_1',
        headers: { authorization: 'x', 'x-api-key': 'y' },
      },
      { credentials: { credential } },
    );
    const echoed = (result.output as unknown as { body: Seen }).body;
    expect(echoed.headers[header]).toBe(value);
  });

  test('a credential of a type it cannot send is refused', async () => {
    const credential = { id: 'c', name: 'Mail', type: 'smtp', data: { host: 'mx' } };
    await expect(
      run({ url: `${base}/echo`, credential: 'c' }, { credentials: { credential } }),
    ).rejects.toThrow(/smtp; http.request sends header, bearer, basic/);
  });

  test('text responses stay text', async () => {
    expect((await run({ url: `${base}/text` })).output).toMatchObject({
      status: 200,
      body: 'plain text',
    });
  });

  test('429 with Retry-After seconds is a RetryAfterError', async () => {
    const error = await run({ url: `${base}/429-seconds` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryAfterError);
    expect(error).toMatchObject({ code: 'HTTP_429', retryAfterMs: 3000 });
  });

  test('503 with a Retry-After date is a RetryAfterError', async () => {
    const error = await run({ url: `${base}/503-date` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryAfterError);
    expect((error as RetryAfterError).retryAfterMs).toBeGreaterThan(50_000);
    expect((error as RetryAfterError).retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test('500 without Retry-After is retriable with code HTTP_500', async () => {
    const error = await run({ url: `${base}/500` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowstateError);
    expect(error).not.toBeInstanceOf(NonRetriableError);
    expect(error).toMatchObject({ code: 'HTTP_500' });
  });

  test('404 is non-retriable with the status and a short excerpt', async () => {
    const error = await run({ url: `${base}/404` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error).toMatchObject({ code: 'HTTP_404', status: 404 });
    expect((error as Error).message).toMatch(/answered HTTP 404: no such thing x+…$/);
    expect((error as Error).message.length).toBeLessThan(400);
  });

  test('a streamed response over maxResponseBytes is refused', async () => {
    const error = await run({ url: `${base}/big`, maxResponseBytes: 100_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  });

  test('a declared content-length over the limit is refused before reading', async () => {
    const error = await run({ url: `${base}/big-declared`, maxResponseBytes: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  });

  test('timeoutMs aborts a hanging request with a retriable HTTP_TIMEOUT', async () => {
    const error = await run({ url: `${base}/hang`, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowstateError);
    expect(error).not.toBeInstanceOf(NonRetriableError);
    expect(error).toMatchObject({ code: 'HTTP_TIMEOUT' });
  });

  test('aborting ctx.signal aborts the request', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await run({ url: `${base}/hang` }, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('connection refused is a retriable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await run({ url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_NETWORK_ERROR' });
    expect(error).not.toBeInstanceOf(NonRetriableError);
  });

  test('simulation mode records the request and sends nothing', async () => {
    const before = seen.length;
    const result = await run(
      { method: 'POST', url: `${base}/echo`, body: { a: 1 } },
      { simulate: true },
    );
    expect(result.output).toEqual({
      simulated: true,
      request: {
        method: 'POST',
        url: `${base}/echo`,
        headers: {
          'Idempotency-Key': 'test-execution:test-node',
          'Content-Type': 'application/json',
        },
        body: '{"a":1}',
      },
    });
    expect(seen.length).toBe(before);
  });

  test('a host name allow-listed by name may resolve to a private address', async () => {
    const byName = createHttpRequestNode({
      allowedHosts: ['api.internal'],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const port = new URL(base).port;
    const result = await testNode(byName, { params: { url: `http://api.internal:${port}/json` } });
    expect(result.output).toMatchObject({ status: 200, body: { ok: true } });
  });
});

describe('http.request default network policy', () => {
  const guarded = createHttpRequestNode();

  test.each([
    ['http://127.0.0.1/'],
    ['http://localhost/'],
    ['http://169.254.169.254/latest/meta-data/'],
    ['http://[::1]/'],
    ['http://10.0.0.1/'],
    ['http://0.0.0.0/'],
    ['http://[::ffff:127.0.0.1]/'],
    ['http://2130706433/'],
    ['http://[fd00:ec2::254]/'],
  ])('refuses %s with ADDRESS_NOT_ALLOWED', async (url) => {
    const error = await testNode(guarded, { params: { url } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
  });

  test('refuses the local test server itself', async () => {
    const before = seen.length;
    const error = await testNode(guarded, { params: { url: `${base}/json` } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
    expect(seen.length).toBe(before);
  });

  test('refuses a public-looking host that resolves to a private address (DNS rebinding)', async () => {
    const rebinding = createHttpRequestNode({
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    const port = new URL(base).port;
    const before = seen.length;
    const error = await testNode(rebinding, {
      params: { url: `http://rebind.example:${port}/json` },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
    expect(seen.length).toBe(before);
  });

  test('rejects non-http URLs as invalid params', async () => {
    await expect(testNode(guarded, { params: { url: 'file:///etc/passwd' } })).rejects.toThrow(
      /url: must be an absolute http\(s\) URL/,
    );
  });
});
