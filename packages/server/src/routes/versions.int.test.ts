import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { apiClient } from '../testing/api-client.js';
import { makeServer, TEST_OWNER, type ServerFixture } from '../testing/server-fixture.js';
import { chain, jsonata, manual, set, webhook } from '../testing/workflows.js';

let server: ServerFixture;
let call: ReturnType<typeof apiClient>;
beforeEach(async () => {
  server = await makeServer();
  call = apiClient(server);
});
afterEach(async () => {
  await server.close();
});

const v1 = () => chain('Flow', [manual(), set('shape', { a: 1 })]);
const v2 = () => {
  const doc = chain('Flow', [manual(), set('shape', { a: 2 }), jsonata('extra', '1')]);
  doc.nodes[1]!.position = { x: 10, y: 20 };
  return doc;
};

describe('versions', () => {
  test('every save is an immutable version with author, message and hash', async () => {
    await call('POST', '/workflows?message=first', { id: 'w', ...v1() });
    await call('PUT', '/workflows/w?message=second', v2());
    await call('PUT', '/workflows/w', v1());
    const list = await call('GET', '/workflows/w/versions');
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((v: { version: number; message?: string; author: string }) => [
        v.version,
        v.message,
        v.author,
      ]),
    ).toEqual([
      [3, undefined, TEST_OWNER.email],
      [2, 'second', TEST_OWNER.email],
      [1, 'first', TEST_OWNER.email],
    ]);
    expect(list.body.items[0]).toMatchObject({ draft: true, published: false });
    expect(list.body.items[0].hash).toBe(list.body.items[2].hash);
    expect(list.body.items[0].hash).not.toBe(list.body.items[1].hash);

    const page = await call('GET', '/workflows/w/versions?limit=2');
    expect(page.body.nextBefore).toBe(2);
    const next = await call('GET', '/workflows/w/versions?limit=2&before=2');
    expect(next.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(next.body.nextBefore).toBeNull();

    const one = await call('GET', '/workflows/w/versions/2');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ version: 2, message: 'second', definition: { name: 'Flow' } });
    expect(one.body.definition.nodes).toHaveLength(3);
  });

  test('version 4xx: unknown workflow, unknown version, bad number', async () => {
    await call('POST', '/workflows', { id: 'w', ...v1() });
    expect((await call('GET', '/workflows/nope/versions')).body.error.code).toBe(
      'WORKFLOW_NOT_FOUND',
    );
    const missing = await call('GET', '/workflows/w/versions/9');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('WORKFLOW_VERSION_NOT_FOUND');
    const bad = await call('GET', '/workflows/w/versions/zero');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('/params/version');
    expect((await call('GET', '/workflows/w/versions?limit=0')).status).toBe(400);
  });

  test('diff between two versions, by default published to draft', async () => {
    await call('POST', '/workflows?publish=true', { id: 'w', ...v1() });
    await call('PUT', '/workflows/w', v2());
    const diff = await call('GET', '/workflows/w/diff');
    expect(diff.status).toBe(200);
    expect(diff.body).toMatchObject({ from: 1, to: 2 });
    expect(diff.body.diff.nodesAdded.map((n: { id: string }) => n.id)).toEqual(['extra']);
    expect(diff.body.diff.nodesMoved).toEqual([{ nodeId: 'shape', to: { x: 10, y: 20 } }]);
    expect(diff.body.diff.paramsChanged).toEqual([
      { nodeId: 'shape', path: '/params/fields/a', before: 1, after: 2 },
    ]);
    expect(diff.body.diff.edgesAdded).toHaveLength(1);
    expect(diff.body.changes.map((c: { code: string }) => c.code)).toContain('PARAM_CHANGED');
    const back = await call('GET', '/workflows/w/diff?from=2&to=1');
    expect(back.body.diff.nodesRemoved.map((n: { id: string }) => n.id)).toEqual(['extra']);
    const same = await call('GET', '/workflows/w/diff?from=1&to=1');
    expect(Object.values(same.body.diff).flat()).toEqual([]);
  });

  test('diff 4xx: nothing published, unknown version, bad query', async () => {
    await call('POST', '/workflows', { id: 'w', ...v1() });
    const unpublished = await call('GET', '/workflows/w/diff');
    expect(unpublished.status).toBe(400);
    expect(unpublished.body.error.details[0].path).toBe('/query/from');
    const missing = await call('GET', '/workflows/w/diff?from=1&to=7');
    expect(missing.status).toBe(404);
    expect(missing.body.error.details[0].path).toBe('/query/to');
    expect((await call('GET', '/workflows/w/diff?from=x')).status).toBe(400);
    expect((await call('GET', '/workflows/nope/diff?from=1')).status).toBe(404);
  });

  test('a stale save is a 409 whose body holds the diff from the base to the current draft', async () => {
    await call('POST', '/workflows', { id: 'w', ...v1() });
    expect((await call('PUT', '/workflows/w?baseVersion=1', v2())).status).toBe(200);
    const stale = await call('PUT', '/workflows/w', v1(), { 'if-match': '"1"' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: 'VERSION_CONFLICT',
      currentVersion: 2,
      baseVersion: 1,
    });
    expect(stale.body.error.diff.paramsChanged[0]).toMatchObject({ path: '/params/fields/a' });
    expect(stale.body.error.details).toContainEqual({
      path: '/nodes/1/params/fields/a',
      message: '/params/fields/a changed on node "shape"',
      code: 'PARAM_CHANGED',
    });
    const viaQuery = await call('PUT', '/workflows/w?baseVersion=1', v1());
    expect(viaQuery.status).toBe(409);
    expect((await call('GET', '/workflows/w')).body.draftVersion).toBe(2);
  });

  test('rollback publishes an older version; active webhooks follow the published version', async () => {
    const hook = (value: string) => chain('Hook', [webhook('roll'), jsonata('v', `"${value}"`)]);
    await call('POST', '/workflows?active=true', { id: 'w', ...hook('one') });
    const fire = async () =>
      (await server.inject({ method: 'POST', url: '/hooks/roll', payload: {} })).json();
    expect(await fire()).toBe('one');
    await call('PUT', '/workflows/w?publish=true', hook('two'));
    expect(await fire()).toBe('two');
    await call('PUT', '/workflows/w', hook('three'));
    expect(await fire()).toBe('two');

    const rolled = await call('POST', '/workflows/w/publish', { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ draftVersion: 3, publishedVersion: 1 });
    expect(await fire()).toBe('one');
    const missing = await call('POST', '/workflows/w/publish', { version: 42 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('WORKFLOW_VERSION_NOT_FOUND');
    const bad = await call('POST', '/workflows/w/publish', { version: 'latest' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('/body/version');
  });
});
