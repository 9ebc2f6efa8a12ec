import Fastify from 'fastify';
import { FlowstateError } from '@flowstate/core';
import { describe, expect, test } from 'vitest';
import { installErrorHandling } from './errors.js';
import {
  findExcessiveNesting,
  JSON_TYPES,
  parseFormBody,
  parseJsonBody,
  registerJsonParser,
  registerWebhookParsers,
  restrictToJson,
  WEBHOOK_TYPES,
} from './json-body.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof FlowstateError ? error.code : 'not-a-flowstate-error';
  }
}

describe('findExcessiveNesting', () => {
  test.each([
    ['{}', 1, -1],
    ['[[[]]]', 3, -1],
    ['[[[]]]', 2, 2],
    ['{"a":"[[[[[[["}', 1, -1],
    ['{"a":"\\"[[[["}', 1, -1],
    ['[{"a":[1]}]', 2, 6],
  ])('%s with limit %s -> %s', (text, limit, expected) => {
    expect(findExcessiveNesting(text, limit)).toBe(expected);
  });

  test('scans 100,000 levels without recursion', () => {
    expect(findExcessiveNesting('['.repeat(100_000) + ']'.repeat(100_000))).toBe(64);
  });
});

describe('parseJsonBody', () => {
  test('parses JSON and treats an empty body as undefined', () => {
    expect(parseJsonBody('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
    expect(parseJsonBody('  ')).toBeUndefined();
  });

  test.each([
    ['{"a":', 'INVALID_JSON'],
    ['['.repeat(65) + ']'.repeat(65), 'JSON_TOO_DEEP'],
    ['{"__proto__":{"x":1}}', 'PROTO_POISONING'],
    ['{"constructor":{"prototype":{"x":1}}}', 'PROTO_POISONING'],
  ])('%s -> %s', (text, code) => {
    expect(codeOf(() => parseJsonBody(text))).toBe(code);
  });
});

describe('parseFormBody', () => {
  test('turns repeated keys into arrays', () => {
    expect(parseFormBody('a=1&b=x%20y&a=2&a=3')).toEqual({ a: ['1', '2', '3'], b: 'x y' });
  });
  test('refuses __proto__', () => {
    expect(codeOf(() => parseFormBody('__proto__=1'))).toBe('PROTO_POISONING');
  });
});

describe('parsers inside Fastify', () => {
  async function makeApp() {
    const app = Fastify({ bodyLimit: 1024 });
    installErrorHandling(app, (request) =>
      request.url.startsWith('/hooks/') ? WEBHOOK_TYPES : JSON_TYPES,
    );
    registerJsonParser(app);
    await app.register(async (api) => {
      restrictToJson(api);
      api.post('/api', async (request) => ({ body: request.body ?? null }));
    });
    await app.register(async (hooks) => {
      registerWebhookParsers(hooks);
      hooks.post('/hooks/x', async (request) => ({ body: request.body ?? null }));
    });
    return app;
  }

  test.each([
    ['/api', 'application/json', '{"a":1}', 200, { body: { a: 1 } }],
    ['/api', 'application/json', '', 200, { body: null }],
    ['/hooks/x', 'text/plain', 'hello', 200, { body: 'hello' }],
    ['/hooks/x', 'application/x-www-form-urlencoded', 'a=1', 200, { body: { a: '1' } }],
  ])('%s %s is accepted', async (url, type, payload, status, body) => {
    const app = await makeApp();
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': type },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual(body);
  });

  test.each([
    ['/api', 'application/json', '{bad', 400, 'INVALID_JSON'],
    ['/api', 'application/json', '['.repeat(1000), 400, 'JSON_TOO_DEEP'],
    ['/api', 'application/json', '{"__proto__":{"admin":true}}', 400, 'PROTO_POISONING'],
    ['/api', 'application/json', JSON.stringify({ s: 'x'.repeat(2000) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['/api', 'text/plain', 'hi', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['/hooks/x', 'application/xml', '<a/>', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('%s %s -> %s %s', async (url, type, payload, status, code) => {
    const app = await makeApp();
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': type },
      payload,
    });
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    expect(Array.isArray(body.error.details)).toBe(true);
  });

  test('415 names the accepted types of the route family', async () => {
    const app = await makeApp();
    const api = await app.inject({
      method: 'POST',
      url: '/api',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(api.json().error.message).toContain('application/json');
    expect(api.json().error.message).not.toContain('text/plain');
    const hook = await app.inject({
      method: 'POST',
      url: '/hooks/x',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(hook.json().error.message).toContain('application/x-www-form-urlencoded');
  });

  test('unknown routes answer the error format', async () => {
    const app = await makeApp();
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /nope.', details: [] },
    });
  });
});
