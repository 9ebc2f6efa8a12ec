import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testNode, type CredentialValue } from '@flowstate/sdk';
import { createHttpRequestNode } from './http-request.js';

interface Seen {
  method: string;
  url: string;
  host: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: Seen[] = [];
let tokenRequests = 0;
let server: Server;
let port = 0;
const ITEMS = ['a', 'b', 'c', 'd', 'e'];

const json = (res: ServerResponse, value: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
};

/** Routes of the local test server; `a.test`, `b.test` resolve to it (see the resolver below). */
function handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const q = url.searchParams;
  switch (url.pathname) {
    case '/echo':
      return json(res, seen.at(-1));
    case '/redirect':
      res.writeHead(Number(q.get('status') ?? 302), { location: q.get('to') ?? '/echo' }).end();
      return;
    case '/loop':
      res.writeHead(302, { location: '/loop' }).end();
      return;
    case '/link': {
      const page = Number(q.get('page') ?? 1);
      const next: Record<string, string> =
        page < 3 ? { link: `</link?page=${page + 1}>; rel="next"` } : {};
      return json(res, ITEMS.slice((page - 1) * 2, page * 2), next);
    }
    case '/offset': {
      const offset = Number(q.get('offset'));
      const limit = Number(q.get('limit'));
      return json(res, { data: ITEMS.slice(offset, offset + limit) });
    }
    case '/pages': {
      const page = Number(q.get('page'));
      return json(res, { results: ITEMS.slice((page - 1) * 2, page * 2), total: ITEMS.length });
    }
    case '/cursor': {
      const at = Number(q.get('cursor') ?? 0);
      return json(res, {
        data: ITEMS.slice(at, at + 2),
        next: at + 2 < ITEMS.length ? String(at + 2) : null,
      });
    }
    case '/next-private':
      return json(res, { items: [1], next: 'http://169.254.169.254/latest' });
    case '/token': {
      tokenRequests += 1;
      const expected = `Basic ${Buffer.from('client-1:s3cret').toString('base64')}`;
      if (req.headers.authorization !== expected) return void res.writeHead(401).end('bad client');
      return json(res, {
        access_token: `tok-${tokenRequests}`,
        token_type: 'Bearer',
        expires_in: 3600,
      });
    }
    case '/protected':
      if (req.headers.authorization !== `Bearer tok-${tokenRequests}`)
        return void res.writeHead(401).end('expired token');
      return json(res, { ok: true, auth: req.headers.authorization });
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host ?? '',
        headers: req.headers,
        body,
      };
      seen.push(entry);
      handle(req, res, new URL(req.url ?? '/', 'http://x'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** `a.test` and `b.test` are allow-listed and reach the local server; `internal.test` resolves to 10.0.0.5. */
const http = createHttpRequestNode({
  allowedHosts: ['a.test', 'b.test'],
  resolve: async (hostname) =>
    hostname === 'internal.test'
      ? [{ address: '10.0.0.5', family: 4 }]
      : [{ address: '127.0.0.1', family: 4 }],
});
const A = (): string => `http://a.test:${port}`;
const B = (): string => `http://b.test:${port}`;
const bearer: CredentialValue = { id: 'c1', name: 'api', type: 'bearer', data: { token: 'T0P' } };
const run = (
  params: Record<string, unknown>,
  credentials: Record<string, CredentialValue> = {},
  now?: Date,
) =>
  testNode(http, { params, credentials, ...(now ? { now } : {}) }).then(
    (r) => r.output as Record<string, any>,
  );
const fail = (params: Record<string, unknown>) =>
  run(params).then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  );

describe('http.request redirects', () => {
  test('off by default: the 3xx is the output', async () => {
    expect(await run({ url: `${A()}/redirect?to=/echo` })).toMatchObject({
      status: 302,
      headers: { location: '/echo' },
    });
  });

  test('302 and 303 turn a POST into a GET without body; 307 and 308 keep method and body', async () => {
    for (const [status, method, hasBody] of [
      [301, 'GET', false],
      [302, 'GET', false],
      [303, 'GET', false],
      [307, 'POST', true],
      [308, 'POST', true],
    ] as const) {
      const out = await run({
        method: 'POST',
        url: `${A()}/redirect?status=${status}&to=/echo`,
        body: { n: 1 },
        followRedirects: true,
      });
      expect(out['body'], String(status)).toMatchObject({ method, body: hasBody ? '{"n":1}' : '' });
      expect(out['redirects']).toEqual([`${A()}/echo`]);
      if (!hasBody) expect(out['body'].headers['content-type']).toBeUndefined();
    }
  });

  test('credentials survive a same-origin redirect and are dropped across origins', async () => {
    const same = await run(
      { url: `${A()}/redirect?to=/echo`, followRedirects: true, credential: 'c' },
      { credential: bearer },
    );
    expect(same['body'].headers.authorization).toBe('Bearer T0P');
    const cross = await run(
      {
        url: `${A()}/redirect?to=${encodeURIComponent(`${B()}/echo`)}`,
        followRedirects: true,
        credential: 'c',
        headers: { Cookie: 'sid=1' },
      },
      { credential: bearer },
    );
    expect(cross['body'].host).toBe(`b.test:${port}`);
    expect(cross['body'].headers.authorization).toBeUndefined();
    expect(cross['body'].headers.cookie).toBeUndefined();
    const header: CredentialValue = {
      id: 'h',
      name: 'key',
      type: 'header',
      data: { name: 'X-Api-Key', value: 'k' },
    };
    const custom = await run(
      {
        url: `${A()}/redirect?to=${encodeURIComponent(`${B()}/echo`)}`,
        followRedirects: true,
        credential: 'c',
      },
      { credential: header },
    );
    expect(custom['body'].headers['x-api-key']).toBeUndefined();
  });

  test.each([
    ['a loopback literal', () => `http://127.0.0.1:${port}/echo`, '127.0.0.1'],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['a name resolving to 10.x', () => `http://internal.test:${port}/echo`, '10.0.0.5'],
    ['an IPv4-mapped loopback', () => `http://[::ffff:7f00:1]:${port}/echo`, '::ffff:7f00:1'],
  ])('a redirect hop to %s is refused, naming the hop', async (_label, target, address) => {
    const before = seen.length;
    const error = await fail({
      url: `${A()}/redirect?to=${encodeURIComponent(target())}`,
      followRedirects: true,
    });
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED', name: 'RedirectNotAllowedError' });
    expect(error?.message).toContain(`Redirect hop 1 to ${new URL(target()).toString()}`);
    expect(error?.message).toContain(address);
    expect(seen.length).toBe(before + 1); // only the first hop reached a server
  });

  test('a redirect loop stops at maxRedirects', async () => {
    expect(
      await fail({ url: `${A()}/loop`, followRedirects: true, maxRedirects: 3 }),
    ).toMatchObject({ code: 'HTTP_TOO_MANY_REDIRECTS' });
  });
});

describe('http.request query and body builders', () => {
  test('query values are encoded and arrays repeat the key', async () => {
    const out = await run({
      url: `${A()}/echo?x=1`,
      query: { q: 'a b&c=d/é', tag: ['x', 'y'], n: 2, on: true },
    });
    expect(out['body'].url).toBe('/echo?x=1&q=a+b%26c%3Dd%2F%C3%A9&tag=x&tag=y&n=2&on=true');
  });

  test('form bodies are x-www-form-urlencoded', async () => {
    const out = await run({
      method: 'POST',
      url: `${A()}/echo`,
      bodyType: 'form',
      body: { name: 'Ada L', tags: ['a', 'b'], n: 1 },
    });
    expect(out['body']).toMatchObject({
      body: 'name=Ada+L&tags=a&tags=b&n=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  });

  test('multipart bodies carry fields and base64 files', async () => {
    const file = Buffer.from([0, 1, 2, 255]);
    const out = await run({
      method: 'POST',
      url: `${A()}/echo`,
      bodyType: 'multipart',
      body: {
        note: 'hi',
        doc: {
          base64: file.toString('base64'),
          filename: 'a.bin',
          contentType: 'application/x-test',
        },
      },
    });
    const boundary = /boundary=(.+)$/.exec(out['body'].headers['content-type'])?.[1];
    expect(boundary).toMatch(/^----flowstate[0-9a-f]{24}$/);
    expect(out['body'].body).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="doc"; filename="a.bin"\r\nContent-Type: application/x-test\r\n\r\n${file.toString('latin1')}\r\n` +
        `--${boundary}--\r\n`,
    );
  });

  test('text sends the string, none sends nothing, a non-string text body is refused', async () => {
    expect(
      (await run({ method: 'PUT', url: `${A()}/echo`, bodyType: 'text', body: '{"raw"' }))['body'],
    ).toMatchObject({ body: '{"raw"', headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expect(
      (await run({ method: 'POST', url: `${A()}/echo`, bodyType: 'none', body: { x: 1 } }))['body'],
    ).toMatchObject({ body: '' });
    expect(
      await fail({ method: 'POST', url: `${A()}/echo`, bodyType: 'text', body: { x: 1 } }),
    ).toMatchObject({ code: 'INVALID_HTTP_BODY' });
  });
});

describe('http.request pagination', () => {
  test.each([
    ['next-url from the Link header', { url: '/link' }, { mode: 'next-url' }, 3],
    [
      'next-url from an expression',
      { url: '/cursor' },
      {
        mode: 'next-url',
        items: '$response.body.data',
        nextUrl: "$response.body.next ? '/cursor?cursor=' & $response.body.next : null",
      },
      3,
    ],
    [
      'offset',
      { url: '/offset' },
      {
        mode: 'offset',
        param: 'offset',
        limitParam: 'limit',
        pageSize: 2,
        items: '$response.body.data',
      },
      3,
    ],
    [
      'page with a total',
      { url: '/pages' },
      { mode: 'page', items: '$response.body.results', total: '$response.body.total' },
      3,
    ],
    [
      'cursor',
      { url: '/cursor' },
      {
        mode: 'cursor',
        param: 'cursor',
        cursor: '$response.body.next',
        items: '$response.body.data',
      },
      3,
    ],
  ])('%s collects every item', async (_label, request, pagination, pages) => {
    const out = await run({ url: `${A()}${request.url}`, pagination });
    expect(out).toEqual({ items: ITEMS, pages, complete: true });
  });

  test('offset stops at an empty page when pages are full', async () => {
    const out = await run({
      url: `${A()}/offset`,
      pagination: {
        mode: 'offset',
        limitParam: 'limit',
        pageSize: 5,
        items: '$response.body.data',
      },
    });
    expect(out).toEqual({ items: ITEMS, pages: 2, complete: true });
  });

  test('maxPages caps the pages and says the result is incomplete; pages output keeps responses', async () => {
    const out = await run({
      url: `${A()}/link`,
      pagination: { mode: 'next-url', maxPages: 2, output: 'pages' },
    });
    expect(out['complete']).toBe(false);
    expect(out['pages'].map((p: { body: unknown }) => p.body)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  test('every page passes the guard: a next URL to the metadata address is refused', async () => {
    const error = await fail({
      url: `${A()}/next-private`,
      pagination: {
        mode: 'next-url',
        nextUrl: '$response.body.next',
        items: '$response.body.items',
      },
    });
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
    expect(error?.message).toContain('169.254.169.254');
  });

  test('simulation records only the first page request', async () => {
    const before = seen.length;
    const out = await testNode(http, {
      params: { url: `${A()}/link`, pagination: { mode: 'next-url' } },
      simulate: true,
    });
    expect(out.output).toMatchObject({
      simulated: true,
      request: { method: 'GET', url: `${A()}/link` },
      note: expect.stringContaining('first page'),
    });
    expect(seen.length).toBe(before);
  });
});

describe('http.request OAuth2 client credentials', () => {
  const oauth = (tokenUrl: string): CredentialValue => ({
    id: `oauth-${tokenUrl}`,
    name: 'oauth',
    type: 'oauth2-client-credentials',
    data: { tokenUrl, clientId: 'client-1', clientSecret: 's3cret', scope: 'read' },
  });

  test('fetches a token once, caches it until expiry, then fetches a new one', async () => {
    const credential = oauth(`${A()}/token`);
    const now = new Date('2026-01-01T00:00:00Z');
    const before = tokenRequests;
    const first = await run({ url: `${A()}/protected`, credential: 'c' }, { credential }, now);
    expect(first['body']).toEqual({ ok: true, auth: `Bearer tok-${before + 1}` });
    const tokenCall = seen.find((s) => s.url === '/token' && s.body.includes('grant_type'));
    expect(tokenCall?.body).toBe('grant_type=client_credentials&scope=read');
    await run(
      { url: `${A()}/protected`, credential: 'c' },
      { credential },
      new Date(now.getTime() + 60_000),
    );
    expect(tokenRequests).toBe(before + 1);
    const later = await run(
      { url: `${A()}/protected`, credential: 'c' },
      { credential },
      new Date(now.getTime() + 3600_000),
    );
    expect(tokenRequests).toBe(before + 2);
    expect(later['body']).toEqual({ ok: true, auth: `Bearer tok-${before + 2}` });
  });

  test('a token the API rejects with 401 is fetched again once', async () => {
    const credential = oauth(`${B()}/token`);
    await run({ url: `${A()}/protected`, credential: 'c' }, { credential });
    tokenRequests += 1; // the server now only accepts a newer token
    const out = await run({ url: `${A()}/protected`, credential: 'c' }, { credential });
    expect(out['body']).toMatchObject({ ok: true });
  });

  test('a token URL on a private address is refused by the guard', async () => {
    const error = await run(
      { url: `${A()}/protected`, credential: 'c' },
      { credential: oauth('http://169.254.169.254/token') },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
  });

  test('a rejected client is a non-retriable error', async () => {
    const credential = {
      ...oauth(`${A()}/token`),
      id: 'bad',
      data: { tokenUrl: `${A()}/token`, clientId: 'x', clientSecret: 'y' },
    };
    const error = await run({ url: `${A()}/protected`, credential: 'c' }, { credential }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'HttpStatusError', status: 401 });
  });
});
