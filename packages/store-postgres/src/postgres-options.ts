import { FlowstateError } from '@flowstate/core';
import { checkSchemaName, type PoolOptions } from './connection.js';

/** Options of `PostgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (a `DATABASE_URL`). */
  connectionString: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /**
   * Schema holding Flowstate's tables, created by `migrate()` if missing and set as the
   * `search_path` of every connection. Default: the server's `search_path` (usually `public`).
   */
  schema?: string;
  /** Payloads whose JSON is larger than this go to the `blobs` table. Default 256 KiB. */
  blobThresholdBytes?: number;
  /** NOTIFY other processes when a commit makes steps claimable. Default true. */
  notify?: boolean;
  /** `application_name` of the connections (shown in `pg_stat_activity`). Default `flowstate`. */
  applicationName?: string;
  /** How long opening a connection may take. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * How long a connection may sit idle inside a transaction before PostgreSQL ends its
   * session (`idle_in_transaction_session_timeout`), releasing the row locks of a process that
   * froze mid-commit. 0 turns it off. Default 10 s (the store's transactions take milliseconds).
   */
  idleInTransactionTimeoutMs?: number;
  /** Errors of idle connections and of the LISTEN connection (they are retried, not thrown). */
  onError?: (error: Error) => void;
}

/** Options checked, with their defaults. */
export interface ResolvedOptions {
  pool: PoolOptions;
  blobThresholdBytes: number;
}

/** Checks `options` (throwing `INVALID_OPTIONS` naming the bad one) and fills in defaults. */
export function resolveOptions(options: PostgresStoreOptions): ResolvedOptions {
  const poolSize = options.poolSize ?? 10;
  const blobThresholdBytes = options.blobThresholdBytes ?? 256 * 1024;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw invalidOption('poolSize must be a positive integer', options.poolSize);
  }
  if (!Number.isInteger(blobThresholdBytes) || blobThresholdBytes < 0) {
    throw invalidOption(
      'blobThresholdBytes must be a non-negative integer',
      options.blobThresholdBytes,
    );
  }
  const idleInTransactionTimeoutMs = options.idleInTransactionTimeoutMs ?? 10_000;
  if (!Number.isInteger(idleInTransactionTimeoutMs) || idleInTransactionTimeoutMs < 0) {
    throw invalidOption(
      'idleInTransactionTimeoutMs must be a non-negative integer',
      options.idleInTransactionTimeoutMs,
    );
  }
  if (options.schema !== undefined) checkSchemaName(options.schema);
  return {
    pool: {
      connectionString: options.connectionString,
      poolSize,
      applicationName: options.applicationName ?? 'flowstate',
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      idleInTransactionTimeoutMs,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    },
    blobThresholdBytes,
  };
}

/** An `INVALID_OPTIONS` error naming the option's problem and value. */
function invalidOption(problem: string, value: unknown): FlowstateError {
  return new FlowstateError('INVALID_OPTIONS', `PostgresStore ${problem}, got ${String(value)}`);
}
