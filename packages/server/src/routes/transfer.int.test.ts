import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { apiClient } from '../testing/api-client.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, jsonata, manual, webhook } from '../testing/workflows.js';

let server: ServerFixture;
let call: ReturnType<typeof apiClient>;
beforeEach(async () => {
  server = await makeServer();
  call = apiClient(server);
});
afterEach(async () => {
  await server.close();
});

const flow = (name: string, value = '1') => chain(name, [manual(), jsonata('v', value)]);

describe('export and import', () => {
  test('export one workflow with a format header and credential references only', async () => {
    const doc = flow('One');
    doc.nodes[1]!.params['credentialId'] = 'cred-smtp';
    await call('POST', '/workflows?publish=true', { id: 'one', ...doc });
    await call('PUT', '/workflows/one', flow('One draft'));
    const published = await call('GET', '/workflows/one/export');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      format: 'flowstate-export',
      version: 1,
      exportedAt: expect.any(String),
      workflows: [{ id: 'one', name: 'One draft', version: 1, definition: { name: 'One' } }],
    });
    expect(published.body.workflows[0].credentials).toEqual([
      { nodeId: 'v', path: '/params/credentialId', credential: 'cred-smtp' },
    ]);
    const draft = await call('GET', '/workflows/one/export?version=draft');
    expect(draft.body.workflows[0]).toMatchObject({
      version: 2,
      definition: { name: 'One draft' },
    });
    expect((await call('GET', '/workflows/nope/export')).status).toBe(404);
    expect((await call('GET', '/workflows/one/export?version=old')).status).toBe(400);
  });

  test('a bundle round-trips into another server', async () => {
    await call('POST', '/workflows?publish=true', { id: 'a', ...flow('A') });
    await call('POST', '/workflows?publish=true', { id: 'b', ...flow('B') });
    const bundle = await call('POST', '/workflows/export', {});
    expect(bundle.body.workflows.map((w: { id: string }) => w.id)).toEqual(['a', 'b']);
    const some = await call('POST', '/workflows/export', { ids: ['b'] });
    expect(some.body.workflows).toHaveLength(1);
    expect((await call('POST', '/workflows/export', { ids: ['zzz'] })).status).toBe(404);

    const other = await makeServer();
    try {
      const target = apiClient(other);
      const imported = await target('POST', '/workflows/import?publish=true', bundle.body);
      expect(imported.status).toBe(200);
      expect(imported.body.items).toEqual([
        { id: 'a', action: 'created', draftVersion: 1, publishedVersion: 1 },
        { id: 'b', action: 'created', draftVersion: 1, publishedVersion: 1 },
      ]);
      const again = await target('POST', '/workflows/import?publish=true', bundle.body);
      expect(again.body.items.map((i: { action: string }) => i.action)).toEqual([
        'unchanged',
        'unchanged',
      ]);
      const run = await target('POST', '/workflows/a/run?wait=5000', {});
      expect(run.body.execution.output).toBe(1);
      const version = await target('GET', '/workflows/a/versions/1');
      expect(version.body.message).toBe('imported from flowstate-export');
    } finally {
      await other.close();
    }
  });

  test('import updates existing workflows with a new draft version', async () => {
    await call('POST', '/workflows', { id: 'a', ...flow('A') });
    const file = {
      format: 'flowstate-export',
      version: 1,
      workflows: [{ id: 'a', definition: flow('A2', '2') }],
    };
    const res = await call('POST', '/workflows/import?message=sync', file);
    expect(res.body.items).toEqual([{ id: 'a', action: 'updated', draftVersion: 2 }]);
    expect((await call('GET', '/workflows/a/versions/2')).body.message).toBe('sync');
  });

  test('an invalid bundle is refused whole, every problem named, nothing applied', async () => {
    await call('POST', '/workflows', { id: 'a', ...flow('A') });
    const bad = {
      format: 'flowstate-export',
      version: 1,
      workflows: [
        { id: 'new', definition: flow('New') },
        { id: 'a', definition: flow('A2') },
        {
          id: 'broken',
          definition: { ...flow('Broken'), nodes: [{ id: 'x', type: 'no.type', name: 'X' }] },
        },
        { id: 'new', definition: flow('Dup') },
      ],
    };
    const res = await call('POST', '/workflows/import', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('/body/workflows/2/definition/nodes/0/type');
    expect(paths).toContain('/body/workflows/3/id');
    expect((await call('GET', '/workflows/new')).status).toBe(404);
    expect((await call('GET', '/workflows/a')).body.draftVersion).toBe(1);
  });

  test('wrong format header or shape is a 400 naming the field', async () => {
    const wrong = await call('POST', '/workflows/import', {
      format: 'n8n',
      version: 1,
      workflows: [{ id: 'a', definition: {} }],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe('/body/format');
    const future = await call('POST', '/workflows/import', {
      format: 'flowstate-export',
      version: 2,
      workflows: [],
    });
    expect(future.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      '/body/version',
      '/body/workflows',
    ]);
  });

  test('an import that would publish a taken webhook path applies nothing', async () => {
    await call('POST', '/workflows?active=true', {
      id: 'owner',
      ...chain('Owner', [webhook('taken'), jsonata('v', '1')]),
    });
    await call('POST', '/workflows?active=true', {
      id: 'other',
      ...chain('Other', [webhook('free'), jsonata('v', '1')]),
    });
    const res = await call('POST', '/workflows/import?publish=true', {
      format: 'flowstate-export',
      version: 1,
      workflows: [
        { id: 'fresh', definition: flow('Fresh') },
        { id: 'other', definition: chain('Other', [webhook('taken'), jsonata('v', '2')]) },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('WEBHOOK_CONFLICT');
    expect((await call('GET', '/workflows/fresh')).status).toBe(404);
    expect((await call('GET', '/workflows/other')).body.draftVersion).toBe(1);
  });
});
