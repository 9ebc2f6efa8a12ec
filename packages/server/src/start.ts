import type { FastifyInstance } from 'fastify';
import { Engine, Redactor } from '@flowstate/engine';
import { builtinNodes, createBuiltinRegistry } from '@flowstate/nodes';
import { CrmService, createCrmNodes } from '@flowstate/crm';
import type { PostgresStore } from '@flowstate/store-postgres';
import { SqliteStore } from '@flowstate/store-sqlite';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import { buildServer } from './app.js';
import { loadApprovalLinkKey } from './approvals/approval-link-key.js';
import { AuditLog } from './audit/audit-log.js';
import { CredentialService } from './credentials/credential-service.js';
import { loadKeyring } from './credentials/secret-key.js';
import { failpointFromEnv } from './failpoints.js';
import type { ServerConfig } from './config.js';
import { createLogger } from './logger.js';
import { loadPlugins } from './plugins/load-plugins.js';
import { createNotifier } from './notifications/notifier.js';
import { settingsScoreConfig } from './crm/crm-context.js';

/** A running server and what it owns; `close()` shuts everything down in order. */
export interface RunningServer {
  app: FastifyInstance;
  engine: Engine;
  /** `SqliteStore` on the data folder, or `PostgresStore` with `DATABASE_URL`. */
  store: SqliteStore | PostgresStore;
  logger: Logger;
  /** `http://host:port` the server listens on. */
  url: string;
  /** Closes HTTP (finishing in-flight requests), stops the engine, closes the store. */
  close(): Promise<void>;
}

/** Options of `startServer` beyond the configuration. */
export interface StartServerOptions {
  /** Install SIGTERM/SIGINT handlers that close the server and exit 0 (the CLI does). */
  handleSignals?: boolean;
  /** Where log lines go (tests capture them); stdout by default. Lines are redacted either way. */
  logDestination?: DestinationStream;
  /**
   * The app's root: `flowstate-node-*` packages are discovered in its `node_modules`, and
   * relative `FLOWSTATE_PLUGINS` paths resolve against it. Default: the working directory.
   */
  cwd?: string;
}

/**
 * Reads `.env` from the working directory into `process.env` when present (existing
 * variables win). Call before `loadConfig()`.
 */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * Loads the node plugins (`flowstate-node-*` packages in `cwd`'s `node_modules` and the
 * `FLOWSTATE_PLUGINS` folders; a broken one is logged and skipped), opens the store
 * (PostgreSQL with `DATABASE_URL`, else SQLite in `config.dataDir`), loads the credentials
 * keyring, builds the registry, engine and HTTP server for the process's role, loads the
 * workflows folder, starts the engine and listens.
 *
 * Roles (`FLOWSTATE_ROLE`, PostgreSQL only for `api` and `worker`): `all` serves everything and
 * runs steps; `api` serves the API and webhooks and runs no steps (workers of other processes
 * do; a synchronous webhook reads its response from the store), fires no schedules and prunes
 * nothing; `worker` runs steps, schedules and retention and serves only `/healthz`, `/readyz`
 * and `/metrics`.
 */
export async function startServer(
  config: ServerConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const redactor = new Redactor();
  const logger = createLogger({
    level: config.logLevel,
    redactor,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const store = await openStore(config, logger);
  let keyring;
  try {
    keyring = loadKeyring({
      dataDir: config.dataDir,
      ...(config.secretKey === undefined ? {} : { current: config.secretKey }),
      ...(config.secretKeyPrevious === undefined ? {} : { previous: config.secretKeyPrevious }),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const audit = new AuditLog(store);
  const credentials = new CredentialService({ store, keyring, audit, redactor });
  // The crm.* nodes write through the same service as the API, so their entity events kick
  // this process's dispatcher at once.
  const crm = new CrmService({ store: store.crm });
  const crmNodes = createCrmNodes({ crm, score: settingsScoreConfig(store) });
  const cwd = options.cwd ?? process.cwd();
  // A broken plugin is logged and listed by GET /api/v1/plugins, never fatal.
  const plugins = await loadPlugins({
    root: cwd,
    paths: config.pluginPaths.map((path) => resolve(cwd, path)),
    reservedTypes: [...builtinNodes, ...crmNodes].map((nodeType) => nodeType.type),
    logger,
  });
  const registry = createBuiltinRegistry(
    {
      files: { root: resolve(config.dataDir, 'files') },
      script: config.script,
      notify: createNotifier({ store }),
    },
    [...crmNodes, ...plugins.nodes],
  );
  const failpoint = failpointFromEnv(process.env.FLOWSTATE_TEST_FAILPOINT);
  const engine = new Engine({
    store,
    registry,
    logger,
    credentials,
    redactor,
    ...(failpoint ? { failpoint } : {}),
    ...(config.workerConcurrency === undefined ? {} : { concurrency: config.workerConcurrency }),
    runSteps: config.role !== 'api',
    leaseMs: config.leaseMs,
  });
  const app = buildServer({
    store,
    engine,
    registry,
    plugins,
    logger,
    webhookResponseTimeoutMs: config.webhookTimeoutMs,
    bodyLimitBytes: config.bodyLimitBytes,
    retention: { days: config.retentionDays, failedDays: config.retentionFailedDays },
    // Background work runs where steps run: an API process fires no schedules, prunes nothing.
    pruneIntervalMs: config.role === 'api' ? 0 : config.pruneIntervalMs,
    ...(config.role === 'api' ? { scheduler: false as const } : {}),
    serveApi: config.role !== 'worker',
    // Entity events start workflows where schedules fire: not in an API-only process.
    crm: { service: crm, ...(config.role === 'api' ? { dispatcher: false as const } : {}) },
    approvalLinkKey: loadApprovalLinkKey({
      ...(process.env.FLOWSTATE_SECRET_KEY === undefined
        ? {}
        : { secretKey: process.env.FLOWSTATE_SECRET_KEY }),
      dataDir: config.dataDir,
    }),
    ...(config.workflowsDir === undefined ? {} : { workflowsDir: config.workflowsDir }),
    credentials,
    audit,
    trustProxy: config.trustProxy,
    ...(config.webhookRateLimit ? { webhookRateLimit: config.webhookRateLimit } : {}),
    auth: {
      cookieSecure: config.cookieSecure,
      sessionTimes: {
        ttlMs: config.sessionTtlHours * 3_600_000,
        idleMs: config.sessionIdleMinutes * 60_000,
      },
      loginRateLimit: config.loginRateLimit ?? 'off',
      ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
    },
  });
  try {
    await app.ready();
    // Embedded mode: the data folder is locked to this process, so every other lease is dead.
    // Never on PostgreSQL: the other leases belong to live processes.
    await engine.start({ recover: config.databaseUrl === undefined });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const url =
    typeof address === 'object' && address !== null
      ? `http://${formatHost(address.address)}:${address.port}`
      : String(address);
  logger.info(
    {
      url,
      role: config.role,
      ...(config.databaseUrl !== undefined
        ? { database: 'postgres' }
        : { dataDir: config.dataDir }),
    },
    'flowstate listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await app.close();
      await engine.stop({ graceMs: config.shutdownGraceMs });
      await store.close();
    })());

  if (options.handleSignals === true) {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, engine, store, logger, url, close };
}

/**
 * The configured store: PostgreSQL (migrated; several processes may start at once) or the
 * data folder's SQLite file (locked to this process).
 */
async function openStore(
  config: ServerConfig,
  logger: Logger,
): Promise<SqliteStore | PostgresStore> {
  if (config.databaseUrl === undefined) {
    return SqliteStore.open(config.dataDir, { synchronous: config.sqliteSynchronous });
  }
  // Loaded only here: an embedded server does not carry the PostgreSQL client.
  const { PostgresStore } = await import('@flowstate/store-postgres');
  return PostgresStore.connect({
    connectionString: config.databaseUrl,
    poolSize: config.databasePoolSize,
    applicationName: `flowstate-${config.role}`,
    // Idle connections dropped by a database restart, the LISTEN connection reconnecting.
    onError: (error) => logger.warn({ err: error }, 'PostgreSQL connection error'),
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
