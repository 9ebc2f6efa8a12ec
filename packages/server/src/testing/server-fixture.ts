import type { FastifyInstance } from 'fastify';
import { Engine, type EngineOptions } from '@flowstate/engine';
import { createBuiltinRegistry } from '@flowstate/nodes';
import { SqliteStore } from '@flowstate/store-sqlite';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type BuildServerOptions } from '../app.js';

/** A server over a real SQLite store in a fresh temp folder, with the real engine and nodes. */
export interface ServerFixture {
  app: FastifyInstance;
  engine: Engine;
  store: SqliteStore;
  dir: string;
  close(): Promise<void>;
}

/**
 * Builds a ready server for in-process tests (`app.inject`). The engine is started; `close()`
 * stops everything and deletes the folder.
 */
export async function makeServer(
  overrides: Partial<Omit<BuildServerOptions, 'store' | 'engine' | 'registry'>> = {},
  options: {
    /** Engine options, e.g. an injected clock. */
    engine?: Partial<Omit<EngineOptions, 'store' | 'registry'>>;
    /** Runs before `app.ready()`, e.g. to add hooks. */
    beforeReady?: (app: FastifyInstance) => void;
  } = {},
): Promise<ServerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-server-'));
  const store = await SqliteStore.open(join(dir, 'data'), { synchronous: 'NORMAL' });
  const registry = createBuiltinRegistry();
  const engine = new Engine({ store, registry, ...options.engine });
  const app = buildServer({ store, engine, registry, ...overrides });
  options.beforeReady?.(app);
  await app.ready();
  await engine.start();
  return {
    app,
    engine,
    store,
    dir,
    async close() {
      await app.close();
      await engine.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
