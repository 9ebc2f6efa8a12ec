import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { NodeType } from '@flowstate/core';
import { Engine, Redactor, type EngineOptions } from '@flowstate/engine';
import { createBuiltinRegistry, type HttpRequestNodeOptions } from '@flowstate/nodes';
import { CrmService, createCrmNodes } from '@flowstate/crm';
import { settingsScoreConfig } from '../crm/crm-context.js';
import { SqliteStore } from '@flowstate/store-sqlite';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type BuildServerOptions } from '../app.js';
import { AuditLog } from '../audit/audit-log.js';
import type { ScryptCost } from '../auth/passwords.js';
import { CredentialService } from '../credentials/credential-service.js';
import { Keyring } from '../credentials/keyring.js';
import { createLogger } from '../logger.js';
import { createNotifier } from '../notifications/notifier.js';
import type { DestinationStream } from 'pino';

/** A cheap scrypt cost for tests: the real algorithm, a fraction of the work. */
export const TEST_SCRYPT_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

/** Email and password of the owner `makeServer` sets up. */
export const TEST_OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

/** A server over a real SQLite store in a fresh temp folder, with the real engine and nodes. */
export interface ServerFixture {
  app: FastifyInstance;
  engine: Engine;
  store: SqliteStore;
  credentials: CredentialService;
  /** The CRM service the API and the crm.* nodes share. */
  crm: CrmService;
  dir: string;
  /** An owner API key (`fsk_…`), unless made with `setup: false`. */
  ownerKey: string;
  /** `app.inject` as the owner (Bearer key) unless the request sets its own Authorization. */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Options of {@link makeServer}. */
export type ServerFixtureOptions = Partial<
  Omit<BuildServerOptions, 'store' | 'engine' | 'registry'>
> & {
  /** Set up the owner and an owner API key through the API (default true). */
  setup?: boolean;
  engine?: Partial<EngineOptions>;
  /** Options of the `http.request` node (e.g. allow-list the local test server). */
  http?: HttpRequestNodeOptions;
  /** Node types added to the built-in ones. */
  extraNodes?: readonly NodeType<any>[];
  /** Capture the server's and engine's log lines (trace level, redacted as in production). */
  logDestination?: DestinationStream;
  /** Runs before `app.ready()`, e.g. to add hooks. */
  beforeReady?: (app: FastifyInstance) => void;
};

/**
 * Builds a ready server for in-process tests (`app.inject`). The engine is started; the owner
 * is created through `POST /api/v1/setup` and an API key through `POST /api/v1/api-keys`, so
 * tests call the API authenticated the way clients do. `close()` stops everything and deletes
 * the folder.
 */
export async function makeServer(overrides: ServerFixtureOptions = {}): Promise<ServerFixture> {
  const {
    setup = true,
    engine: engineOptions,
    http,
    extraNodes = [],
    logDestination,
    beforeReady,
    ...serverOptions
  } = overrides;
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-server-'));
  const store = await SqliteStore.open(join(dir, 'data'), { synchronous: 'NORMAL' });
  const crm = new CrmService({ store: store.crm });
  const registry = createBuiltinRegistry(
    { ...(http ? { http } : {}), notify: createNotifier({ store }) },
    [...createCrmNodes({ crm, score: settingsScoreConfig(store) }), ...extraNodes],
  );
  const redactor = new Redactor();
  const logger = logDestination
    ? createLogger({ level: 'trace', redactor, destination: logDestination })
    : undefined;
  const audit = new AuditLog(store);
  const credentials =
    serverOptions.credentials ??
    new CredentialService({ store, keyring: new Keyring(randomBytes(32)), audit, redactor });
  const engine = new Engine({
    store,
    registry,
    credentials,
    redactor,
    ...(logger ? { logger } : {}),
    ...engineOptions,
  });
  const app = buildServer({
    store,
    engine,
    registry,
    audit,
    credentials,
    ...(logger ? { logger } : {}),
    crm: { service: crm },
    ...serverOptions,
    auth: { scryptCost: TEST_SCRYPT_COST, ...serverOptions.auth },
  });
  beforeReady?.(app);
  await app.ready();
  await engine.start();
  const ownerKey = setup ? await setUpOwner(app) : '';
  return {
    app,
    engine,
    store,
    credentials,
    crm,
    dir,
    ownerKey,
    inject(options) {
      const headers: Record<string, unknown> = { ...options.headers };
      if (ownerKey !== '' && headers['authorization'] === undefined)
        headers['authorization'] = `Bearer ${ownerKey}`;
      return app.inject({ ...options, headers: headers as InjectOptions['headers'] });
    },
    async close() {
      await app.close();
      await engine.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates the owner through setup and returns an owner API key made with its session. */
export async function setUpOwner(app: FastifyInstance): Promise<string> {
  const setup = await app.inject({ method: 'POST', url: '/api/v1/setup', payload: TEST_OWNER });
  if (setup.statusCode !== 201) throw new Error(`setup failed: ${setup.statusCode} ${setup.body}`);
  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    payload: { name: 'tests' },
    headers: sessionHeaders(setup),
  });
  if (key.statusCode !== 201) throw new Error(`API key failed: ${key.statusCode} ${key.body}`);
  return (key.json() as { key: string }).key;
}

/** Cookie and CSRF headers of the session a login or setup response opened. */
export function sessionHeaders(response: LightMyRequestResponse): {
  cookie: string;
  'x-csrf-token': string;
} {
  const cookies = response.cookies as Array<{ name: string; value: string }>;
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = cookies.find((c) => c.name === 'fs_csrf')?.value ?? '';
  return { cookie, 'x-csrf-token': csrf };
}
