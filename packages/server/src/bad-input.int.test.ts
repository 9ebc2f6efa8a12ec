import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from './testing/server-fixture.js';
import { chain, jsonata, webhook } from './testing/workflows.js';

let server: ServerFixture;
let before: unknown;

beforeAll(async () => {
  server = await makeServer();
  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/workflows?active=true',
    payload: { id: 'keep', ...chain('Keep', [webhook('keep'), jsonata('v', '$input.body')]) },
  });
  expect(created.statusCode).toBe(201);
  before = (await server.inject({ method: 'GET', url: '/api/v1/workflows/keep' })).json();
});

afterAll(async () => {
  // Every bad request left the stored workflow and the webhook intact, and the server up.
  expect((await server.inject({ method: 'GET', url: '/api/v1/workflows/keep' })).json()).toEqual(
    before,
  );
  expect(
    (await server.inject({ method: 'GET', url: '/api/v1/workflows' })).json().items,
  ).toHaveLength(1);
  const hook = await server.inject({
    method: 'POST',
    url: '/hooks/keep',
    payload: { still: 'works' },
  });
  expect(hook.json()).toEqual({ still: 'works' });
  expect((await server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
    status: 'ok',
  });
  await server.close();
});

const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
const tenMegabytes = JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) });
const json = { 'content-type': 'application/json' };

describe.each([
  ['POST', '/api/v1/workflows'],
  ['PUT', '/api/v1/workflows/keep'],
  ['POST', '/hooks/keep'],
] as const)('%s %s', (method, url) => {
  test.each([
    [
      'malformed JSON',
      json,
      '{"schemaVersion": 1, "name": ',
      400,
      'INVALID_JSON',
      /not valid JSON/,
    ],
    ['100,000-deep nesting', json, deep, 400, 'JSON_TOO_DEEP', /deeper than 64 levels/],
    [
      'a 10 MB body',
      json,
      tenMegabytes,
      413,
      'PAYLOAD_TOO_LARGE',
      /larger than the configured limit/,
    ],
    [
      'a __proto__ key',
      json,
      '{"__proto__": {"isAdmin": true}}',
      400,
      'PROTO_POISONING',
      /__proto__/,
    ],
    [
      'constructor.prototype',
      json,
      '{"constructor": {"prototype": {"isAdmin": true}}}',
      400,
      'PROTO_POISONING',
      /constructor/,
    ],
    [
      'an XML body',
      { 'content-type': 'application/xml' },
      '<a/>',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /application\/json/,
    ],
  ])('%s -> 4xx with a clear message', async (_name, headers, payload, status, code, message) => {
    const res = await server.inject({ method, url, headers, payload });
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(Array.isArray(body.error.details)).toBe(true);
  });
});

describe('JSON API only', () => {
  test.each([
    ['POST', '/api/v1/workflows', '[1, 2]', 'INVALID_REQUEST'],
    ['POST', '/api/v1/workflows', '"a string"', 'INVALID_REQUEST'],
    ['POST', '/api/v1/workflows', '{"schemaVersion": 1}', 'INVALID_REQUEST'],
    [
      'POST',
      '/api/v1/workflows',
      '{"name": "N", "nodes": [{"id": "a", "type": "no.such", "name": "A"}], "edges": []}',
      'VALIDATION_FAILED',
    ],
    ['POST', '/api/v1/workflows', '{"id": "bad id!", "schemaVersion": 1}', 'INVALID_REQUEST'],
    ['POST', '/api/v1/events', '{"correlationKey": "k"}', 'INVALID_REQUEST'],
    ['POST', '/api/v1/workflows/keep/run?wait=abc', '{}', 'INVALID_REQUEST'],
    ['POST', '/api/v1/workflows/keep/run', '{"input": 1, "triggerNodeId": 5}', 'INVALID_REQUEST'],
  ] as const)('%s %s %s -> 400 %s', async (method, url, payload, code) => {
    const res = await server.inject({ method, url, headers: json, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.details.length).toBeGreaterThan(0);
  });

  test('text/plain is refused on the API (415 naming application/json)', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toBe(
      'Content-Type "text/plain" is not supported here; send one of: application/json.',
    );
  });

  test('unknown ids and routes are 404 in the error format', async () => {
    const execution = await server.inject({ method: 'GET', url: '/api/v1/executions/nope' });
    expect(execution.statusCode).toBe(404);
    expect(execution.json().error.code).toBe('EXECUTION_NOT_FOUND');
    const cancel = await server.inject({
      method: 'POST',
      url: '/api/v1/executions/nope/cancel',
    });
    expect(cancel.statusCode).toBe(404);
    const route = await server.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(route.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /api/v1/nothing.', details: [] },
    });
    const cursor = await server.inject({ method: 'GET', url: '/api/v1/executions?cursor=zzz' });
    expect(cursor.statusCode).toBe(400);
  });

  test('an empty JSON body is accepted where no body is needed', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/workflows/unknown/activate',
      headers: json,
      payload: '',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('WORKFLOW_NOT_FOUND');
  });

  test('a body without Content-Type is a 415', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/hooks/keep',
      payload: Buffer.from('{"a":1}'),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toContain('(missing)');
  });

  test('a malformed URL is a 400 in the error format', async () => {
    const res = await server.inject({ method: 'GET', url: '/api/v1/workflows/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
  });
});
