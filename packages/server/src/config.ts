import { delimiter } from 'node:path';
import { FlowstateError } from '@flowstate/core';
import { parseRateLimit, type RateLimit } from './auth/rate-limiter.js';

/** Durability of SQLite commits: FULL fsyncs every commit, NORMAL only at checkpoints (WAL). */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Log levels pino accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `startServer` needs, resolved from the environment by `loadConfig`. */
export interface ServerConfig {
  dataDir: string;
  port: number;
  host: string;
  workflowsDir?: string;
  /**
   * Plugin folders from `FLOWSTATE_PLUGINS` (split on the path delimiter, `:` or `;`), as
   * written: relative ones are resolved against the working directory when plugins load.
   */
  pluginPaths: string[];
  webhookTimeoutMs: number;
  bodyLimitBytes: number;
  logLevel: LogLevel;
  workerConcurrency?: number;
  sqliteSynchronous: SqliteSynchronous;
  /** `postgres://` URL of the shared store; unset: the embedded SQLite store in `dataDir`. */
  databaseUrl?: string;
  /** Connections of the PostgreSQL pool. */
  databasePoolSize: number;
  /** Which parts this process runs: the HTTP API, the step workers, or both. */
  role: ServerRole;
  /** On SIGTERM, how long running steps may take to finish before they are abandoned. */
  shutdownGraceMs: number;
  /** How long a claimed step is leased (renewed every third of it) before others may take it. */
  leaseMs: number;
  /** Days to keep succeeded and cancelled executions (0: forever). */
  retentionDays: number;
  /** Days to keep failed executions (0: forever). */
  retentionFailedDays: number;
  /** How often finished executions past retention are pruned (0: never automatically). */
  pruneIntervalMs: number;
  /** Encryption key of credentials (base64 or hex, 32 bytes); else `<dataDir>/secret.key`. */
  secretKey?: string;
  /** Older keys, comma-separated, still accepted to decrypt (key rotation). */
  secretKeyPrevious?: string;
  /** Bearer token that may read `/metrics` without a user. */
  metricsToken?: string;
  cookieSecure: 'auto' | boolean;
  sessionTtlHours: number;
  sessionIdleMinutes: number;
  /** Sign-in attempts per client address and email; undefined: unlimited. */
  loginRateLimit?: RateLimit;
  /** Calls per webhook path; undefined: unlimited. */
  webhookRateLimit?: RateLimit;
  trustProxy: boolean;
  /** Host limits and worker threads of the `script.js` node. */
  script: ScriptConfig;
  /**
   * How far the JavaScript heap may grow past its live size before a full collection, in
   * percent (`flowstate start` sets V8's `--heap-growing-percent`); 0 leaves V8's own factor.
   */
  heapGrowthPercent: number;
}

/** `FLOWSTATE_SCRIPT_*`: the largest limits a workflow's script may ask for, and its threads. */
export interface ScriptConfig {
  maxTimeoutMs: number;
  maxMemoryMb: number;
  workers: number;
}

/** `FLOWSTATE_ROLE` values. */
export const SERVER_ROLES = ['all', 'api', 'worker'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

/** Raised at startup when an environment variable holds an invalid value. */
export class ConfigError extends FlowstateError {
  override name = 'ConfigError';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('CONFIG_INVALID', `${variable}: ${message}`);
    this.variable = variable;
  }
}

/**
 * Reads the server configuration from environment variables, applying defaults.
 * Throws `ConfigError` naming the variable when a value is invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const workflowsDir = read('FLOWSTATE_WORKFLOWS_DIR');
  const databaseUrl = readDatabaseUrl(read);
  const role = readEnum(read, 'FLOWSTATE_ROLE', SERVER_ROLES, 'all');
  if (role !== 'all' && databaseUrl === undefined) {
    throw new ConfigError(
      'FLOWSTATE_ROLE',
      `"${role}" needs PostgreSQL (DATABASE_URL): the embedded SQLite store serves one process, which runs both the API and the workers (use "all")`,
    );
  }
  if (databaseUrl !== undefined && read('FLOWSTATE_SECRET_KEY') === undefined) {
    throw new ConfigError(
      'FLOWSTATE_SECRET_KEY',
      'must be set with DATABASE_URL: every process sharing the database must decrypt the same credentials and sign the same approval links (generate one with: openssl rand -base64 32)',
    );
  }
  const workerConcurrency = readInt(read, 'FLOWSTATE_WORKER_CONCURRENCY', undefined, 1, 1024);
  const retentionDays = readInt(read, 'FLOWSTATE_RETENTION_DAYS', 30, 0, 36_500);
  const retentionFailedDays = readInt(read, 'FLOWSTATE_RETENTION_FAILED_DAYS', 90, 0, 36_500);
  if (retentionDays > 0 && retentionFailedDays > 0 && retentionFailedDays < retentionDays) {
    throw new ConfigError(
      'FLOWSTATE_RETENTION_FAILED_DAYS',
      `must be 0 or at least FLOWSTATE_RETENTION_DAYS (${retentionDays}), got ${retentionFailedDays}`,
    );
  }
  const optional = (name: string, key: string) => {
    const value = read(name);
    return value === undefined ? {} : { [key]: value };
  };
  const loginRateLimit = readRateLimit(read, 'FLOWSTATE_LOGIN_RATE_LIMIT', '10/min');
  const webhookRateLimit = readRateLimit(read, 'FLOWSTATE_WEBHOOK_RATE_LIMIT', 'off');
  const cookieSecure = readEnum(
    read,
    'FLOWSTATE_COOKIE_SECURE',
    ['auto', 'true', 'false'] as const,
    'auto',
  );
  return {
    dataDir: read('FLOWSTATE_DATA_DIR') ?? './.flowstate',
    port: readInt(read, 'PORT', 3000, 0, 65_535),
    host: read('HOST') ?? '127.0.0.1',
    ...(workflowsDir === undefined ? {} : { workflowsDir }),
    pluginPaths: (read('FLOWSTATE_PLUGINS') ?? '')
      .split(delimiter)
      .map((part) => part.trim())
      .filter((part) => part !== ''),
    webhookTimeoutMs: readInt(read, 'FLOWSTATE_WEBHOOK_TIMEOUT_MS', 10_000, 1, 3_600_000),
    bodyLimitBytes: readInt(read, 'FLOWSTATE_BODY_LIMIT', 1_048_576, 1, 1_073_741_824),
    logLevel: readEnum(read, 'FLOWSTATE_LOG_LEVEL', LOG_LEVELS, 'info'),
    ...(workerConcurrency === undefined ? {} : { workerConcurrency }),
    sqliteSynchronous: readEnum(
      read,
      'FLOWSTATE_SQLITE_SYNCHRONOUS',
      ['FULL', 'NORMAL'] as const,
      'FULL',
      true,
    ),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    databasePoolSize: readInt(read, 'FLOWSTATE_DB_POOL_SIZE', 10, 1, 1000),
    role,
    shutdownGraceMs: readInt(read, 'FLOWSTATE_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    leaseMs: readInt(read, 'FLOWSTATE_LEASE_MS', 30_000, 1_000, 3_600_000),
    retentionDays,
    retentionFailedDays,
    pruneIntervalMs: readInt(read, 'FLOWSTATE_PRUNE_INTERVAL_MS', 3_600_000, 0, 2_147_483_647),
    ...optional('FLOWSTATE_SECRET_KEY', 'secretKey'),
    ...optional('FLOWSTATE_SECRET_KEY_PREVIOUS', 'secretKeyPrevious'),
    ...optional('FLOWSTATE_METRICS_TOKEN', 'metricsToken'),
    cookieSecure: cookieSecure === 'auto' ? 'auto' : cookieSecure === 'true',
    sessionTtlHours: readInt(read, 'FLOWSTATE_SESSION_TTL_HOURS', 168, 1, 8760),
    sessionIdleMinutes: readInt(read, 'FLOWSTATE_SESSION_IDLE_MINUTES', 720, 1, 525_600),
    ...(loginRateLimit ? { loginRateLimit } : {}),
    ...(webhookRateLimit ? { webhookRateLimit } : {}),
    trustProxy:
      readEnum(read, 'FLOWSTATE_TRUST_PROXY', ['true', 'false'] as const, 'false') === 'true',
    script: {
      maxTimeoutMs: readInt(read, 'FLOWSTATE_SCRIPT_MAX_TIMEOUT_MS', 30_000, 10, 3_600_000),
      maxMemoryMb: readInt(read, 'FLOWSTATE_SCRIPT_MAX_MEMORY_MB', 256, 8, 2000),
      workers: readInt(read, 'FLOWSTATE_SCRIPT_WORKERS', 2, 1, 64),
    },
    heapGrowthPercent: readInt(read, 'FLOWSTATE_HEAP_GROWTH_PERCENT', 100, 0, 1000),
  };
}

/** `DATABASE_URL`, refused unless it is a `postgres://` (or `postgresql://`) URL. */
function readDatabaseUrl(read: (name: string) => string | undefined): string | undefined {
  const raw = read('DATABASE_URL');
  if (raw === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      'must be a postgres://user:password@host:port/database URL (unset it to use the embedded SQLite store)',
    );
  }
  return raw;
}

function readRateLimit(
  read: (name: string) => string | undefined,
  name: string,
  fallback: string,
): RateLimit | undefined {
  try {
    return parseRateLimit(read(name) ?? fallback);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
}

function readInt<D extends number | undefined>(
  read: (name: string) => string | undefined,
  name: string,
  fallback: D,
  min: number,
  max: number,
): number | D {
  const raw = read(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readEnum<T extends string>(
  read: (name: string) => string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
  upperCase = false,
): T {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = upperCase ? raw.toUpperCase() : raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value as T;
}
