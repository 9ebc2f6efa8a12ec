import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, jsonata, webhook } from '../testing/workflows.js';
import { signWebhook } from '../webhook-auth.js';

let server: ServerFixture;
afterEach(async () => {
  await server.close();
});

async function credential(type: string, data: object): Promise<string> {
  const res = await server.inject({
    method: 'POST',
    url: '/api/v1/credentials',
    payload: { name: `${type}-${Math.random()}`, type, data },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function hook(path: string, params: Record<string, unknown>) {
  const res = await server.inject({
    method: 'POST',
    url: '/api/v1/workflows?active=true',
    payload: chain(path, [webhook(path, params), jsonata('out', '$input.body')]),
  });
  expect(res.statusCode, res.body).toBe(201);
}

function call(path: string, headers: Record<string, string> = {}, payload: string = '{"n":1}') {
  return server.app.inject({
    method: 'POST',
    url: `/hooks/${path}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
}

async function triggerHeaders(executionId: string): Promise<Record<string, string>> {
  const res = await server.inject({ method: 'GET', url: `/api/v1/executions/${executionId}` });
  return res.json().execution.input.headers;
}

describe('webhook auth: header token', () => {
  test('missing or wrong header is 401; the right one runs, and is redacted from the input', async () => {
    server = await makeServer();
    const id = await credential('header', { name: 'X-Hook-Token', value: 'tok-abcdef' });
    await hook('orders', { auth: { type: 'header', credential: id } });
    const missing = await call('orders');
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error).toMatchObject({
      code: 'WEBHOOK_UNAUTHORIZED',
      message: 'Missing or wrong x-hook-token header.',
    });
    expect((await call('orders', { 'x-hook-token': 'tok-abcdeX' })).statusCode).toBe(401);
    const ok = await call('orders', { 'x-hook-token': 'tok-abcdef' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ n: 1 });
    const headers = await triggerHeaders(String(ok.headers['x-flowstate-execution-id']));
    expect(headers['x-hook-token']).toBe('[redacted]');
    expect(headers['content-type']).toBe('application/json');
  });

  test('a changed credential applies at once', async () => {
    server = await makeServer();
    const id = await credential('header', { name: 'X-Hook-Token', value: 'first-token' });
    await hook('h', { auth: { type: 'header', credential: id } });
    expect((await call('h', { 'x-hook-token': 'first-token' })).statusCode).toBe(200);
    await server.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${id}`,
      payload: { data: { value: 'second-token' } },
    });
    expect((await call('h', { 'x-hook-token': 'first-token' })).statusCode).toBe(401);
    expect((await call('h', { 'x-hook-token': 'second-token' })).statusCode).toBe(200);
  });
});

describe('webhook auth: basic', () => {
  test('asks for basic credentials and checks both user and password', async () => {
    server = await makeServer();
    const id = await credential('basic', { username: 'stripe', password: 'pa:ss-word' });
    await hook('pay', { auth: { type: 'basic', credential: id } });
    const basic = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });
    const missing = await call('pay');
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(
      'Basic realm="flowstate-webhook", charset="UTF-8"',
    );
    expect((await call('pay', basic('stripe', 'wrong'))).statusCode).toBe(401);
    expect((await call('pay', basic('other', 'pa:ss-word'))).statusCode).toBe(401);
    expect((await call('pay', { authorization: 'Basic !!!' })).statusCode).toBe(401);
    const ok = await call('pay', basic('stripe', 'pa:ss-word'));
    expect(ok.statusCode).toBe(200);
    const headers = await triggerHeaders(String(ok.headers['x-flowstate-execution-id']));
    expect(headers['authorization']).toBe('[redacted]');
  });
});

describe('webhook auth: HMAC (Standard Webhooks)', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const now = () => Math.floor(Date.now() / 1000);
  const signed = (body: string, id = `msg_${Math.random()}`, timestamp = now(), key = secret) => ({
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ secret: key, id, timestamp, body }),
  });

  test('a valid signature runs; bad, stale, future and replayed deliveries are 401', async () => {
    server = await makeServer();
    const id = await credential('secret', { value: secret });
    await hook('signed', { auth: { type: 'hmac', credential: id } });
    const body = '{"event":"paid","amount":5}';
    const good = signed(body, 'msg_1');
    const ok = await call('signed', good, body);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ event: 'paid', amount: 5 });

    const replay = await call('signed', good, body);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toMatchObject({
      code: 'WEBHOOK_REPLAYED',
      message: 'Delivery msg_1 was already received.',
    });

    const tampered = await call('signed', signed(body), '{"event":"paid","amount":500}');
    expect(tampered.statusCode).toBe(401);
    expect(tampered.json().error.message).toMatch(/webhook-signature does not match/);

    const wrongKey = signed(body, 'msg_k', now(), `whsec_${randomBytes(24).toString('base64')}`);
    expect((await call('signed', wrongKey, body)).statusCode).toBe(401);

    const stale = await call('signed', signed(body, 'msg_2', now() - 301), body);
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.message).toMatch(
      /30[12] s away from the server's clock; at most 300 s/,
    );
    expect((await call('signed', signed(body, 'msg_3', now() + 400), body)).statusCode).toBe(401);

    const missing = await call('signed', { 'webhook-id': 'msg_4' }, body);
    expect(missing.json().error.message).toBe(
      'Missing signature header(s): webhook-timestamp, webhook-signature.',
    );
    const badTime = await call(
      'signed',
      { ...signed(body, 'msg_5'), 'webhook-timestamp': 'soon' },
      body,
    );
    expect(badTime.json().error.message).toMatch(/whole seconds/);
  });

  test('any valid v1 signature of several is accepted; the raw body is what is signed', async () => {
    server = await makeServer();
    const id = await credential('secret', { value: 'plain-text-secret' });
    await hook('form', { auth: { type: 'hmac', credential: id, toleranceSeconds: 30 } });
    const body = 'a=1&b=%20two';
    const headers = signed(body, 'msg_f', now(), 'plain-text-secret');
    const res = await server.app.inject({
      method: 'POST',
      url: '/hooks/form',
      headers: {
        ...headers,
        'content-type': 'application/x-www-form-urlencoded',
        'webhook-signature': `v1,AAAA v2,xyz ${headers['webhook-signature']}`,
      },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ a: '1', b: ' two' });
    const late = await call('form', signed('{}', 'msg_g', now() - 31, 'plain-text-secret'), '{}');
    expect(late.json().error.message).toMatch(/at most 30 s/);
  });
});

describe('webhook auth: configuration', () => {
  test('a missing or wrongly typed credential is a server error, not an open door', async () => {
    server = await makeServer();
    const wrongType = await credential('bearer', { token: 'abcd' });
    await hook('wrong', { auth: { type: 'header', credential: wrongType } });
    await hook('gone', { auth: { type: 'basic', credential: 'cred_missing' } });
    for (const path of ['wrong', 'gone']) {
      const res = await call(path);
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('WEBHOOK_AUTH_MISCONFIGURED');
    }
  });

  test('auth params are validated when the workflow is saved', async () => {
    server = await makeServer();
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: chain('bad', [webhook('bad', { auth: { type: 'hmac' } })]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].path).toBe('/nodes/0/params/auth/credential');
  });
});

describe('webhook rate limits', () => {
  test('per trigger: over the limit is 429 with Retry-After, per path', async () => {
    server = await makeServer();
    await hook('limited', { rateLimit: '2/min' });
    await hook('free', {});
    expect((await call('limited')).statusCode).toBe(200);
    expect((await call('limited')).statusCode).toBe(200);
    const limited = await call('limited');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    for (let i = 0; i < 5; i++) expect((await call('free')).statusCode).toBe(200);
  });

  test('server-wide default, overridden by a trigger', async () => {
    server = await makeServer({ webhookRateLimit: { limit: 1, windowMs: 60_000 } });
    await hook('default', {});
    await hook('own', { rateLimit: '100/s' });
    expect((await call('default')).statusCode).toBe(200);
    expect((await call('default')).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await call('own')).statusCode).toBe(200);
  });
});
