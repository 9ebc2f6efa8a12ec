import { afterEach, describe, expect, test } from 'vitest';
import { apiClient } from '../testing/api-client.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, jsonata, manual } from '../testing/workflows.js';

let server: ServerFixture | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const DAY = 86_400_000;

describe('retention settings and pruning', () => {
  test('environment defaults until a stored setting overrides them', async () => {
    server = await makeServer({ retention: { days: 10, failedDays: 20 } });
    const call = apiClient(server);
    expect((await call('GET', '/settings/retention')).body).toEqual({
      days: 10,
      failedDays: 20,
      stored: false,
      defaults: { days: 10, failedDays: 20 },
    });
    const put = await call('PUT', '/settings/retention', { days: 3, failedDays: 0 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ days: 3, failedDays: 0, stored: true });
    expect((await call('GET', '/settings/retention')).body).toMatchObject({
      days: 3,
      stored: true,
    });
  });

  test('bad retention settings are 400s naming the field', async () => {
    server = await makeServer();
    const call = apiClient(server);
    const shorter = await call('PUT', '/settings/retention', { days: 30, failedDays: 5 });
    expect(shorter.status).toBe(400);
    expect(shorter.body.error.details[0].path).toBe('/body/failedDays');
    const negative = await call('PUT', '/settings/retention', { days: -1, failedDays: 5 });
    expect(negative.body.error.details[0].path).toBe('/body/days');
    const missing = await call('PUT', '/settings/retention', { days: 1 });
    expect(missing.body.error.details[0].path).toBe('/body/failedDays');
    expect((await call('GET', '/settings/retention')).body.stored).toBe(false);
  });

  test('POST /executions/prune deletes finished executions past the policy in force', async () => {
    let now = Date.now();
    server = await makeServer({ now: () => now });
    const call = apiClient(server);
    await call('POST', '/workflows?publish=true', {
      id: 'w',
      ...chain('W', [manual(), jsonata('v', '$input.ok ? 1 : $error("no")')]),
    });
    await call('POST', '/workflows/w/run?wait=5000', { input: { ok: true } });
    await call('POST', '/workflows/w/run?wait=5000', { input: { ok: false } });
    expect((await call('POST', '/executions/prune')).body).toMatchObject({ deleted: 0 });
    // The server's clock moves on: retention counts days from finishedAt.
    await call('PUT', '/settings/retention', { days: 1, failedDays: 2 });
    now += 1.5 * DAY;
    expect((await call('POST', '/executions/prune')).body).toMatchObject({ deleted: 1 });
    expect(
      (await call('GET', '/executions')).body.items.map((e: { status: string }) => e.status),
    ).toEqual(['failed']);
    now += DAY;
    expect((await call('POST', '/executions/prune')).body).toMatchObject({ deleted: 1 });
    expect((await call('GET', '/executions')).body.items).toEqual([]);
  });
});

test('the server prunes on its own every pruneIntervalMs', async () => {
  let now = Date.now();
  server = await makeServer({
    now: () => now,
    pruneIntervalMs: 20,
    retention: { days: 1, failedDays: 1 },
  });
  const call = apiClient(server);
  await call('POST', '/workflows?publish=true', { id: 'w', ...chain('W', [manual()]) });
  await call('POST', '/workflows/w/run?wait=5000', {});
  now += 2 * DAY;
  for (let i = 0; i < 200; i++) {
    if ((await call('GET', '/executions')).body.items.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the execution was never pruned');
});
