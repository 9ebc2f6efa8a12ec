import pg from 'pg';
import { FlowstateError } from '@flowstate/core';

/** A pool or one of its clients: anything that runs a query. */
export type Queryable = pg.Pool | pg.PoolClient;

const INT8_OID = 20;

/** `bigint` columns (epoch ms, counts) as numbers; refuses values a number cannot hold. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new FlowstateError(
      'STORE_INVALID_ROW',
      `PostgreSQL returned the bigint ${text}, which is outside JavaScript's safe integer range`,
    );
  }
  return value;
}

/** Type parsers of this store's connections only (pg's global parsers are left alone). */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** What `createPool` needs. */
export interface PoolOptions {
  connectionString: string;
  /** Connections in the pool. */
  poolSize: number;
  /** Schema the store's tables live in (`search_path` of every connection). */
  schema?: string;
  applicationName: string;
  connectTimeoutMs: number;
  /** Server-side end of a session left idle inside a transaction (0: never). */
  idleInTransactionTimeoutMs: number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Refuses a schema name that is not a plain identifier (it goes into connection options). */
export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new FlowstateError(
      'INVALID_OPTIONS',
      `PostgresStore schema must be a plain identifier (letters, digits, _; at most 63), got "${schema}"`,
    );
  }
}

/** Connection settings shared by the pool and the LISTEN connection. */
export function clientConfig(options: PoolOptions): pg.ClientConfig {
  return {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
    types,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  };
}

/**
 * The store's pool. Errors of idle connections (a server restart) are reported, not thrown.
 * Its connections have `idle_in_transaction_session_timeout` (a startup parameter, no extra
 * round trip): a process frozen in the middle of a commit (SIGSTOP, a VM pause, a partition)
 * would otherwise hold its row locks, and every other worker committing to the same
 * executions would wait for it indefinitely. The server ends such a session instead (its
 * transaction rolls back; fencing refuses the frozen process's late work).
 */
export function createPool(options: PoolOptions, onError: (error: Error) => void): pg.Pool {
  const timeout = options.idleInTransactionTimeoutMs;
  const pool = new pg.Pool({
    ...clientConfig(options),
    max: options.poolSize,
    ...(timeout > 0 ? { idle_in_transaction_session_timeout: timeout } : {}),
  });
  pool.on('error', onError);
  return pool;
}

/** The URL without its password, for messages. */
export function describeUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** SQLSTATEs of errors that leave nothing applied and succeed when the transaction is retried. */
const RETRIABLE = new Set(['40001', '40P01']);

/** True for a serialization failure or a deadlock (PostgreSQL aborted the transaction). */
export function isRetriable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRIABLE.has(code);
}

/**
 * Runs `body` in a transaction on one pooled connection: COMMIT when it returns, ROLLBACK
 * when it throws. A deadlock or serialization failure is retried (up to 3 attempts), since
 * PostgreSQL rolled everything back.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  body: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    // The server may end the session between two statements (restart, idle-in-transaction
    // timeout): pg then emits 'error' on the client, which would crash the process without a
    // listener (pg-pool listens only while the client is idle). The next statement fails.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      if (attempt < 3 && isRetriable(error)) continue;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }
}

/** Runs one autocommitted statement, retrying it after a deadlock (it was rolled back). */
export async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 3 || !isRetriable(error)) throw error;
    }
  }
}
