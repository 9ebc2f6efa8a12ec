import { afterEach, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, delay, jsonata, respond, webhook } from '../testing/workflows.js';
import type { Workflow } from '@flowstate/core';
import { createBuiltinRegistry } from '@flowstate/nodes';
import { buildServer } from '../app.js';

let server: ServerFixture | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(
  workflows: Record<string, Workflow>,
  options: Parameters<typeof makeServer>[0] = {},
) {
  server = await makeServer(options);
  for (const [id, definition] of Object.entries(workflows)) {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/workflows?active=true',
      payload: { id, ...definition },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  return server;
}

describe('webhooks', () => {
  test('webhook.respond sets status, headers and body; the trigger input is { body, headers, query, method, path }', async () => {
    const { app } = await serve({
      echo: chain('Echo', [
        webhook('in/echo'),
        respond('reply', { status: 201, headers: { 'x-test': 'yes' } }),
      ]),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/hooks/in/echo?x=1',
      payload: { name: 'Ada' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-test']).toBe('yes');
    expect(res.headers['x-flowstate-execution-id']).toEqual(expect.any(String));
    expect(res.json()).toMatchObject({
      body: { name: 'Ada' },
      query: { x: '1' },
      method: 'POST',
      path: '/in/echo',
      headers: { 'content-type': 'application/json' },
    });
  });

  test('without webhook.respond the last node output is the 200 body', async () => {
    const { app } = await serve({
      sum: chain('Sum', [webhook('sum'), jsonata('add', '$input.body.a + $input.body.b')]),
    });
    const res = await app.inject({ method: 'POST', url: '/hooks/sum', payload: { a: 2, b: 3 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toBe(5);
  });

  test('text/plain and form bodies reach the workflow', async () => {
    const { app } = await serve({
      body: chain('Body', [webhook('body'), jsonata('pick', '$input.body')]),
    });
    const text = await app.inject({
      method: 'POST',
      url: '/hooks/body',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    });
    expect(text.json()).toBe('hi');
    const form = await app.inject({
      method: 'POST',
      url: '/hooks/body',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1&a=2&b=x',
    });
    expect(form.json()).toEqual({ a: ['1', '2'], b: 'x' });
  });

  test('a failed execution answers 500 with its error', async () => {
    const { app } = await serve({
      boom: chain('Boom', [webhook('boom'), jsonata('explode', '$error("kaput")')]),
    });
    const res = await app.inject({ method: 'POST', url: '/hooks/boom', payload: {} });
    expect(res.statusCode).toBe(500);
    const { error } = res.json();
    expect(error.code).toBe('EXECUTION_FAILED');
    expect(error.message).toContain('kaput');
    expect(error.executionId).toEqual(res.headers['x-flowstate-execution-id']);
  });

  test('after the trigger timeout: 202 with the execution id, which can then be cancelled', async () => {
    const { app } = await serve({
      slow: chain('Slow', [webhook('slow', { responseTimeoutMs: 100 }), delay('nap', 60_000)]),
    });
    const res = await app.inject({ method: 'POST', url: '/hooks/slow', payload: {} });
    expect(res.statusCode).toBe(202);
    const { executionId, status } = res.json();
    expect(status).toBe('running');
    const detail = await server!.inject({
      method: 'GET',
      url: `/api/v1/executions/${executionId}`,
    });
    expect(detail.json().execution.status).toBe('running');
    const cancelled = await server!.inject({
      method: 'POST',
      url: `/api/v1/executions/${executionId}/cancel`,
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().execution.status).toBe('cancelled');
  });

  test('the server-wide timeout applies when the trigger sets none', async () => {
    const { app } = await serve(
      { slow: chain('Slow', [webhook('slow'), delay('nap', 60_000)]) },
      { webhookResponseTimeoutMs: 50 },
    );
    const res = await app.inject({ method: 'POST', url: '/hooks/slow', payload: {} });
    expect(res.statusCode).toBe(202);
  });

  test('unknown paths are 404, wrong methods 405 with Allow', async () => {
    const { app } = await serve({
      get: chain('Get', [webhook('only-get', { method: 'GET' }), jsonata('q', '$input.query')]),
    });
    const ok = await app.inject({ method: 'GET', url: '/hooks/only-get?k=v' });
    expect(ok.json()).toEqual({ k: 'v' });
    const missing = await app.inject({ method: 'POST', url: '/hooks/nothing', payload: {} });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('WEBHOOK_NOT_FOUND');
    const wrong = await app.inject({ method: 'POST', url: '/hooks/only-get', payload: {} });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    expect(wrong.json().error.code).toBe('METHOD_NOT_ALLOWED');
  });

  test('the router follows deactivation, updates and deletion', async () => {
    const { app } = await serve({ w: chain('W', [webhook('one'), jsonata('v', '"one"')]) });
    const call = (path: string) =>
      app.inject({ method: 'POST', url: `/hooks/${path}`, payload: {} });
    expect((await call('one')).json()).toBe('one');

    // A saved draft changes nothing the webhook serves; publishing it does.
    await server!.inject({
      method: 'PUT',
      url: '/api/v1/workflows/w',
      payload: chain('W', [webhook('two'), jsonata('v', '"two"')]),
    });
    expect((await call('one')).json()).toBe('one');
    expect((await call('two')).statusCode).toBe(404);
    await server!.inject({ method: 'POST', url: '/api/v1/workflows/w/publish', payload: {} });
    expect((await call('one')).statusCode).toBe(404);
    expect((await call('two')).json()).toBe('two');

    await server!.inject({ method: 'POST', url: '/api/v1/workflows/w/deactivate' });
    expect((await call('two')).statusCode).toBe(404);
    await server!.inject({ method: 'POST', url: '/api/v1/workflows/w/activate' });
    expect((await call('two')).statusCode).toBe(200);

    expect(
      (await server!.inject({ method: 'DELETE', url: '/api/v1/workflows/w' })).statusCode,
    ).toBe(204);
    expect((await call('two')).statusCode).toBe(404);
  });

  test('a new app over the same store serves active workflows at once (router loaded on ready)', async () => {
    const first = await serve({ w: chain('W', [webhook('persisted'), jsonata('v', '"here"')]) });
    const again = buildServer({
      store: first.store,
      engine: first.engine,
      registry: createBuiltinRegistry(),
    });
    try {
      await again.ready();
      const res = await again.inject({ method: 'POST', url: '/hooks/persisted', payload: {} });
      expect(res.json()).toBe('here');
    } finally {
      await again.close();
    }
  });
});
