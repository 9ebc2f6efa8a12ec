import { dirname } from 'node:path';
import { z } from 'zod';
import {
  defineNode,
  NonRetriableError,
  type CredentialValue,
  type JsonValue,
  type NodeType,
} from '@flowstate/sdk';
import { assertStillInside, canonicalRoot, pathSegments, walkInside } from '../file/safe-path.js';
import { DriverCache, type SqlDriver, type SqlResult } from './driver.js';
import { ReadOnlyRefusal } from './sql-errors.js';

/** Host configuration of `sql.query`. */
export interface SqlQueryNodeOptions {
  /** The data folder SQLite files live in (`sqlite:relative/path.db`); the file nodes' folder. */
  filesRoot: string;
  /** Pools and open files by credential; pass one to close them yourself (tests, shutdown). */
  drivers?: DriverCache;
}

/** Params of `sql.query`. */
export const sqlQueryParams = z.object({
  credential: z
    .string()
    .min(1)
    .max(200)
    .describe(
      'Id of a database-url credential: postgres://..., mysql://... or mariadb://..., or sqlite:relative/path.db for a file in the data folder',
    ),
  query: z
    .string()
    .min(1)
    .max(1_000_000)
    .describe(
      'One SQL statement, taken literally (templates are not expanded here). Put values in parameters: $1/?/:name placeholders',
    ),
  parameters: z
    .union([
      z.array(z.json()),
      z.record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a placeholder name'),
        z.json(),
      ),
    ])
    .default([])
    .describe(
      'Values bound to the placeholders: a list for $1,$2 (PostgreSQL) or ? (MySQL, SQLite), or an object for :name placeholders. Templates may be used here',
    ),
  mode: z
    .enum(['rows', 'first', 'execute'])
    .default('rows')
    .describe(
      'rows: { rows, rowCount, truncated }; first: { row } (null when none); execute: { affectedRows, lastInsertId }',
    ),
  maxRows: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe('Most rows to return; see onTooManyRows'),
  onTooManyRows: z
    .enum(['error', 'truncate'])
    .default('error')
    .describe(
      'When the result has more than maxRows rows: fail, or return maxRows rows with truncated: true',
    ),
  timeoutMs: z
    .int()
    .min(1)
    .max(3_600_000)
    .default(30_000)
    .describe(
      'Statement timeout; the database is told to cancel the statement (SQLite: lock wait only)',
    ),
});
export type SqlQueryParams = z.output<typeof sqlQueryParams>;

type Opened = { key: string; open: () => SqlDriver };

/**
 * Which driver a credential's URL selects; SQLite paths are checked against the data folder.
 * A driver's client library is loaded on first use, so a server that never queries MySQL does
 * not carry it.
 */
async function locate(credential: CredentialValue, filesRoot: string): Promise<Opened> {
  const url = String(credential.data['url'] ?? '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const key = `${credential.id}\0${url}`;
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const { createPostgresDriver } = await import('./postgres-driver.js');
    return { key, open: () => createPostgresDriver(url) };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    const { createMysqlDriver } = await import('./mysql-driver.js');
    return { key, open: () => createMysqlDriver(url) };
  }
  if (scheme === 'sqlite') {
    const { createSqliteDriver } = await import('./sqlite-driver.js');
    const path = url.slice('sqlite:'.length);
    const segments = pathSegments(path);
    const root = await canonicalRoot(filesRoot);
    const file = await walkInside({ root, path, segments, createDirs: true });
    if (dirname(file) !== root) await assertStillInside(root, dirname(file), path);
    return { key: `sqlite\0${file}`, open: () => createSqliteDriver(file) };
  }
  throw new NonRetriableError(
    `Credential "${credential.name}" holds a ${scheme ?? 'non'}-URL; sql.query supports postgres://, mysql://, mariadb:// and sqlite:path`,
    { code: 'SQL_UNSUPPORTED_URL' },
  );
}

/** Shapes a driver result per `mode`, enforcing the row limit. */
function shape(result: SqlResult, p: SqlQueryParams): JsonValue {
  if (p.mode === 'execute')
    return { affectedRows: result.affectedRows, lastInsertId: result.lastInsertId };
  if (p.mode === 'first') return { row: result.rows[0] ?? null };
  const truncated = result.rows.length > p.maxRows;
  if (truncated && p.onTooManyRows === 'error')
    throw new NonRetriableError(
      `The query returned more than maxRows (${p.maxRows}) rows; add a LIMIT, raise maxRows or set onTooManyRows to truncate`,
      { code: 'SQL_TOO_MANY_ROWS' },
    );
  const rows = truncated ? result.rows.slice(0, p.maxRows) : result.rows;
  return { rows, rowCount: rows.length, truncated, affectedRows: result.affectedRows };
}

/**
 * Creates `sql.query`: runs one statement with bound parameters on PostgreSQL, MySQL/MariaDB
 * or SQLite. The statement text is a raw param, so a template can never splice data into
 * SQL; values go through `parameters`. In simulation, `execute` statements are recorded and
 * not run, and reads run inside a read-only transaction that is rolled back (a statement
 * the database refuses as a write is recorded instead).
 */
export function createSqlQueryNode(options: SqlQueryNodeOptions): NodeType<SqlQueryParams> {
  const drivers = options.drivers ?? new DriverCache(60_000);
  return defineNode({
    type: 'sql.query',
    name: 'SQL query',
    group: 'action',
    description:
      'Runs one SQL statement with bound parameters on PostgreSQL, MySQL/MariaDB or SQLite (a file in the data folder).',
    icon: 'database',
    params: sqlQueryParams,
    rawParams: ['query'],
    sideEffects: true,
    retryDefaults: { maxAttempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 30_000 },
    timeoutMs: 3_600_000,
    credentials: { credential: ['database-url'] },
    async run(ctx): Promise<JsonValue> {
      const p = ctx.params;
      const credential = ctx.credentials['credential'];
      if (!credential)
        throw new NonRetriableError('sql.query needs a database-url credential', {
          code: 'CREDENTIAL_MISSING',
        });
      const record = { simulated: true, statement: p.query, parameters: p.parameters };
      if (ctx.simulate && p.mode === 'execute') return record;
      const { key, open } = await locate(credential, options.filesRoot);
      try {
        const result = await drivers.use(key, open, (driver) =>
          driver.run({
            sql: p.query,
            parameters: p.parameters,
            maxRows: p.maxRows,
            timeoutMs: p.timeoutMs,
            signal: ctx.signal,
            readOnly: ctx.simulate,
          }),
        );
        return shape(result, p);
      } catch (error) {
        if (error instanceof ReadOnlyRefusal)
          return { ...record, reason: 'the statement writes; writes are not run in simulation' };
        throw error;
      }
    },
  });
}
