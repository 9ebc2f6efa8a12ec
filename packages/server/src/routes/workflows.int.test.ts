import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, jsonata, manual, set, webhook } from '../testing/workflows.js';

let server: ServerFixture;
beforeEach(async () => {
  server = await makeServer();
});
afterEach(async () => {
  await server.close();
});

const json = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) =>
  server.inject({
    method,
    url: `/api/v1${url}`,
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers,
  });

describe('workflows API', () => {
  test('create, read, list, version, activate, deactivate, delete', async () => {
    const created = await json('POST', '/workflows', {
      id: 'greet',
      ...chain('Greet', [manual(), set('hello', { hi: 1 })]),
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({
      id: 'greet',
      name: 'Greet',
      active: false,
      draftVersion: 1,
      definition: { name: 'Greet' },
    });
    expect(created.json().publishedVersion).toBeUndefined();

    const got = await json('GET', '/workflows/greet');
    expect(got.statusCode).toBe(200);
    expect(got.json().definition.nodes).toHaveLength(2);

    expect((await json('GET', '/workflows')).json().items.map((w: { id: string }) => w.id)).toEqual(
      ['greet'],
    );

    const updated = await json('PUT', '/workflows/greet', chain('Greet v2', [manual()]), {
      'if-match': '"1"',
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect(updated.json()).toMatchObject({
      draftVersion: 2,
      name: 'Greet v2',
      definition: { name: 'Greet v2' },
    });

    const unpublished = await json('POST', '/workflows/greet/activate');
    expect(unpublished.statusCode).toBe(409);
    expect(unpublished.json().error.code).toBe('WORKFLOW_NOT_PUBLISHED');
    expect((await json('POST', '/workflows/greet/publish', {})).json()).toMatchObject({
      draftVersion: 2,
      publishedVersion: 2,
    });
    expect((await json('POST', '/workflows/greet/activate')).json().active).toBe(true);
    expect((await json('POST', '/workflows/greet/deactivate')).json().active).toBe(false);

    expect((await json('DELETE', '/workflows/greet')).statusCode).toBe(204);
    const gone = await json('GET', '/workflows/greet');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('WORKFLOW_NOT_FOUND');
  });

  test('a generated id when the body has none', async () => {
    const created = await json('POST', '/workflows?active=true', chain('Anon', [manual()]));
    expect(created.statusCode).toBe(201);
    expect(created.json().id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.json().active).toBe(true);
  });

  test('an invalid definition is refused with every problem', async () => {
    const res = await json('POST', '/workflows', {
      schemaVersion: 1,
      name: 'Bad',
      nodes: [
        { id: 'a', type: 'no.such.type', name: 'A', params: {} },
        { id: 'b', type: 'transform.set', name: 'B', params: {} },
      ],
      edges: [{ id: 'e', from: 'a', to: 'missing' }],
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.length).toBeGreaterThanOrEqual(3);
    for (const detail of error.details) {
      expect(typeof detail.path).toBe('string');
      expect(typeof detail.message).toBe('string');
    }
    expect(error.message).toContain('/nodes/0');
    expect((await json('GET', '/workflows')).json().items).toEqual([]);
  });

  test('If-Match with a stale version is a 409 and saves nothing', async () => {
    await json('POST', '/workflows', { id: 'w', ...chain('W', [manual()]) });
    await json('PUT', '/workflows/w', chain('W2', [manual()]));
    const stale = await json('PUT', '/workflows/w', chain('W3', [manual()]), { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    expect(stale.json().error.message).toContain('version 2, not 1');
    expect((await json('GET', '/workflows/w')).json()).toMatchObject({
      draftVersion: 2,
      name: 'W2',
    });
  });

  test('duplicate ids and mismatched ids are refused', async () => {
    await json('POST', '/workflows', { id: 'w', ...chain('W', [manual()]) });
    const again = await json('POST', '/workflows', { id: 'w', ...chain('W', [manual()]) });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('WORKFLOW_EXISTS');
    const mismatch = await json('PUT', '/workflows/w', { id: 'other', ...chain('W', [manual()]) });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.details[0].path).toBe('/body/id');
  });

  test('two active workflows cannot claim the same webhook path and method', async () => {
    await json('POST', '/workflows?active=true', {
      id: 'first',
      ...chain('First', [webhook('orders')]),
    });
    await json('POST', '/workflows?publish=true', {
      id: 'second',
      ...chain('Second', [webhook('orders')]),
    });
    const refused = await json('POST', '/workflows/second/activate');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('WEBHOOK_CONFLICT');
    expect(refused.json().error.message).toContain('"First" (first)');
    expect((await json('GET', '/workflows/second')).json().active).toBe(false);

    const other = await json('POST', '/workflows?active=true', {
      id: 'third',
      ...chain('Third', [webhook('orders', { method: 'GET' })]),
    });
    expect(other.statusCode).toBe(201);

    await json('POST', '/workflows/first/deactivate');
    expect((await json('POST', '/workflows/second/activate')).statusCode).toBe(200);
  });

  test('manual run with ?wait returns the finished execution; detail lists steps', async () => {
    await json('POST', '/workflows?publish=true', {
      id: 'calc',
      ...chain('Calc', [manual(), jsonata('double', '$input.n * 2')]),
    });
    const run = await json('POST', '/workflows/calc/run?wait=5000', { input: { n: 21 } });
    expect(run.statusCode).toBe(200);
    const { execution } = run.json();
    expect(execution).toMatchObject({ status: 'succeeded', output: 42, workflowId: 'calc' });

    const detail = await json('GET', `/executions/${execution.id}`);
    expect(detail.statusCode).toBe(200);
    expect(
      detail
        .json()
        .steps.map((s: { key: string; status: string }) => `${s.key}:${s.status}`)
        .sort(),
    ).toEqual(['double:succeeded', 'start:succeeded']);
    expect(detail.json().children).toEqual([]);
  });

  test('manual run without wait answers 202 with the execution id', async () => {
    await json('POST', '/workflows?publish=true', { id: 'w', ...chain('W', [manual()]) });
    const run = await json('POST', '/workflows/w/run', {});
    expect(run.statusCode).toBe(202);
    expect(run.json()).toMatchObject({ status: 'running', executionId: expect.any(String) });
  });

  test('running an unknown workflow is a 404', async () => {
    const res = await json('POST', '/workflows/nope/run', {});
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('WORKFLOW_NOT_FOUND');
    expect((await json('POST', '/workflows/nope/test', {})).statusCode).toBe(404);
  });

  test('run uses the published version, test and run?draft=true the draft', async () => {
    await json('POST', '/workflows', { id: 'w', ...chain('W', [manual(), jsonata('v', '1')]) });
    const unpublished = await json('POST', '/workflows/w/run?wait=5000', {});
    expect(unpublished.statusCode).toBe(409);
    expect(unpublished.json().error.code).toBe('WORKFLOW_NOT_PUBLISHED');
    expect((await json('POST', '/workflows/w/publish', {})).statusCode).toBe(200);
    await json('PUT', '/workflows/w', chain('W', [manual(), jsonata('v', '2')]));

    const output = async (url: string) => {
      const res = await json('POST', url, {});
      expect(res.statusCode, res.body).toBe(200);
      return [res.json().execution.workflowVersion, res.json().execution.output];
    };
    expect(await output('/workflows/w/run?wait=5000')).toEqual([1, 1]);
    expect(await output('/workflows/w/test?wait=5000')).toEqual([2, 2]);
    expect(await output('/workflows/w/run?wait=5000&draft=true')).toEqual([2, 2]);
    const bad = await json('POST', '/workflows/w/test?wait=-1', {});
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('/query/wait');
  });

  test('inputSchema: a run whose input does not match is a 400 naming each field; an unreadable schema is refused at save', async () => {
    const inputSchema = {
      type: 'object',
      properties: { n: { type: 'integer' } },
      required: ['n'],
    };
    const created = await json('POST', '/workflows?publish=true', {
      id: 'typed',
      ...chain('Typed', [manual(), jsonata('v', '$$.n * 2')]),
      inputSchema,
    });
    expect(created.statusCode, created.body).toBe(201);
    const bad = await json('POST', '/workflows/typed/run?wait=5000', { input: { n: 'two' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'INVALID_INPUT',
      details: [{ path: '/n', message: 'Invalid input: expected number, received string' }],
    });
    expect((await json('GET', '/executions?workflowId=typed')).json().items).toEqual([]);
    const good = await json('POST', '/workflows/typed/test?wait=5000', { input: { n: 2 } });
    expect(good.json().execution).toMatchObject({ status: 'succeeded', output: 4 });

    const unreadable = await json('PUT', '/workflows/typed', {
      ...chain('Typed', [manual()]),
      inputSchema: { type: 'nope' },
    });
    expect(unreadable.statusCode).toBe(400);
    expect(unreadable.json().error.details).toEqual([
      expect.objectContaining({ path: '/inputSchema', code: 'INVALID_INPUT_SCHEMA' }),
    ]);
    expect((await json('GET', '/workflows/typed')).json().draftVersion).toBe(1);
  });

  test('a bad workflow id, If-Match or query is a 400 naming the field', async () => {
    const badId = await json('GET', '/workflows/bad%20id');
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.details[0].path).toBe('/params/id');
    await json('POST', '/workflows', { id: 'w', ...chain('W', [manual()]) });
    const ifMatch = await json('PUT', '/workflows/w', chain('W', [manual()]), { 'if-match': 'x' });
    expect(ifMatch.statusCode).toBe(400);
    expect(ifMatch.json().error.details[0].path).toBe('/headers/if-match');
    const query = await json('POST', '/workflows?active=maybe', chain('W', [manual()]));
    expect(query.statusCode).toBe(400);
    expect(query.json().error.details[0].path).toBe('/query/active');
    expect((await json('POST', '/workflows/nope/publish', {})).statusCode).toBe(404);
    expect((await json('DELETE', '/workflows/nope')).statusCode).toBe(404);
    expect((await json('PUT', '/workflows/nope', chain('W', [manual()]))).statusCode).toBe(404);
  });
});

/** JSON status and body of an API call as the owner. */
async function call(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await json(method, url, payload);
  return { status: res.statusCode, body: res.json() };
}

describe('node types and validation for the editor', () => {
  test('GET /node-types lists every node type with its params as JSON Schema', async () => {
    const { body } = await call('GET', '/node-types');
    const byType = new Map(body.items.map((t: { type: string }) => [t.type, t]));
    expect(byType.get('flow.if')).toMatchObject({
      group: 'control',
      ports: ['true', 'false'],
      sideEffects: false,
      params: { type: 'object', properties: { condition: expect.any(Object) } },
    });
    expect(byType.get('trigger.webhook')).toMatchObject({ trigger: true, group: 'trigger' });
    // Ports that depend on the params are left to the client.
    expect(byType.get('flow.switch')).not.toHaveProperty('ports');
  });

  test('POST /workflows/validate names every problem without saving anything', async () => {
    const bad = chain('Bad', [manual(), { id: 'x', name: 'X', type: 'no.such', params: {} }]);
    const { status, body } = await call('POST', '/workflows/validate', bad);
    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    expect(body.problems).toContainEqual(
      expect.objectContaining({
        path: '/nodes/1/type',
        message: expect.stringMatching(/no\.such/),
      }),
    );
    const good = await call('POST', '/workflows/validate', chain('Good', [manual()]));
    expect(good.body).toEqual({ valid: true, problems: [] });
    expect((await call('GET', '/workflows')).body.items).toEqual([]);
  });

  test('the list carries each draft’s tags', async () => {
    await call('POST', '/workflows', { id: 't', ...chain('Tagged', [manual()]), tags: ['sales'] });
    expect((await call('GET', '/workflows')).body.items).toMatchObject([
      { id: 't', tags: ['sales'] },
    ]);
  });
});
