import pg from 'pg';
import Cursor from 'pg-cursor';
import type { JsonValue } from '@flowstate/core';
import type { SqlDriver, SqlRequest, SqlResult } from './driver.js';
import { toJsonSafe } from './json-safe.js';
import { namedToPositional } from './placeholders.js';
import { classifySqlError, isReadOnlyRefusal, ReadOnlyRefusal, sqlTimeout } from './sql-errors.js';

/**
 * PostgreSQL through a `pg` pool (at most 5 connections per credential). Rows are read through
 * a cursor, so a huge result costs `maxRows + 1` rows of memory, not the table. Each statement sets
 * `statement_timeout` on its connection, and an abort sends `pg_cancel_backend` for that
 * connection's backend from another one, so the server stops working too.
 */
export function createPostgresDriver(url: string): SqlDriver {
  const pool = new pg.Pool({
    connectionString: url,
    max: 5,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  pool.on('error', () => undefined);
  return {
    dialect: 'postgres',
    async run(request: SqlRequest): Promise<SqlResult> {
      const { sql, values } = Array.isArray(request.parameters)
        ? { sql: request.sql, values: request.parameters }
        : namedToPositional(request.sql, request.parameters, 'dollar');
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw classifySqlError(error, sql, 'postgres');
      }
      let broken = false;
      const cancel = (): void => {
        const pid = (client as unknown as { processID?: number }).processID;
        if (pid) void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
      };
      request.signal.addEventListener('abort', cancel, { once: true });
      try {
        await client.query(`SET statement_timeout = ${Math.floor(request.timeoutMs)}`);
        if (request.readOnly) await client.query('BEGIN READ ONLY');
        try {
          const { rows, result } = await readRows(client, sql, values, request.maxRows + 1);
          return {
            rows: rows.map((row) => toJsonSafe(row) as Record<string, JsonValue>),
            affectedRows: result.command === 'SELECT' ? null : result.rowCount,
            lastInsertId: null,
          };
        } finally {
          if (request.readOnly) await client.query('ROLLBACK').catch(() => (broken = true));
        }
      } catch (error) {
        if (request.readOnly && isReadOnlyRefusal(error)) throw new ReadOnlyRefusal();
        const code = (error as { code?: unknown }).code;
        if (code === '57014')
          throw sqlTimeout('postgres', request.timeoutMs, request.signal.aborted, error);
        if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) broken = true;
        throw classifySqlError(error, sql, 'postgres');
      } finally {
        request.signal.removeEventListener('abort', cancel);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** `bigint` (20) becomes a number when exact and stays text otherwise, as with MySQL and SQLite. */
const bigint = (value: string): number | string =>
  Number.isSafeInteger(Number(value)) ? Number(value) : value;

/**
 * Type parsers of `sql.query`: `date` (1082) and `timestamp` without time zone (1114) stay
 * text, since a Date would shift them by the host's zone; `bigint` as above.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 1082 || oid === 1114
      ? (value: string) => value
      : oid === 20
        ? bigint
        : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Reads at most `limit` rows of a statement through a cursor, then closes it. */
function readRows(
  client: pg.PoolClient,
  sql: string,
  values: readonly unknown[],
  limit: number,
): Promise<{ rows: Record<string, unknown>[]; result: pg.QueryResult }> {
  return new Promise((resolve, reject) => {
    const cursor = client.query(new Cursor(sql, [...values], { types }));
    cursor.read(limit, (error, rows: Record<string, unknown>[], result) => {
      if (error) {
        reject(error);
        return;
      }
      cursor.close((closeError) => (closeError ? reject(closeError) : resolve({ rows, result })));
    });
  });
}
