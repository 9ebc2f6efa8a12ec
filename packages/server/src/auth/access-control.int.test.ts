import { Engine } from '@flowstate/engine';
import { createBuiltinRegistry } from '@flowstate/nodes';
import { SqliteStore } from '@flowstate/store-sqlite';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { buildServer } from '../app.js';
import { setUpOwner, TEST_SCRYPT_COST } from '../testing/server-fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server not yet ready, so a test can add routes to it. */
async function unreadyServer(metricsToken?: string): Promise<FastifyInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-access-'));
  const store = await SqliteStore.open(dir, { synchronous: 'NORMAL' });
  const registry = createBuiltinRegistry();
  const engine = new Engine({ store, registry });
  const app = buildServer({
    store,
    engine,
    registry,
    auth: { scryptCost: TEST_SCRYPT_COST, ...(metricsToken ? { metricsToken } : {}) },
  });
  cleanups.push(async () => {
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return app;
}

describe('access rules are required', () => {
  test('a route without config.access cannot be registered', async () => {
    const app = await unreadyServer();
    expect(() => app.get('/naked', async () => 'hi')).toThrow(
      /Route GET \/naked declares no valid access rule/,
    );
  });

  test('a plugin route without a rule stops the server from starting', async () => {
    const app = await unreadyServer();
    void app.register(async (plugin) => {
      plugin.post('/inside', async () => 'hi');
    });
    await expect(app.ready()).rejects.toThrow(/POST \/inside declares no valid access rule/);
  });

  test('an unknown access level is refused', async () => {
    const app = await unreadyServer();
    expect(() =>
      app.get('/typo', { config: { access: 'admins' as 'admin' } }, async () => 'hi'),
    ).toThrow(/got "admins"/);
  });
});

describe("access: 'metrics'", () => {
  test('admits the metrics token and admins; the token opens nothing else', async () => {
    const app = await unreadyServer('scrape-token-123');
    // The server's own /metrics route (Prometheus text); the token opens it and nothing else.
    await app.ready();
    const ownerKey = await setUpOwner(app);
    const get = (url: string, token?: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect((await get('/metrics')).statusCode).toBe(401);
    expect((await get('/metrics', 'wrong-token')).statusCode).toBe(401);
    expect((await get('/metrics', 'scrape-token-123')).body).toMatch(/flowstate_steps/);
    expect((await get('/metrics', ownerKey)).body).toMatch(/flowstate_steps/);
    const elsewhere = await get('/api/v1/workflows', 'scrape-token-123');
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error.code).toBe('FORBIDDEN');
  });
});
