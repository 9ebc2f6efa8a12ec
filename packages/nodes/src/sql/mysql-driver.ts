import type { Connection as CallbackConnection } from 'mysql2';
import mysql from 'mysql2/promise';
import type { JsonValue } from '@flowstate/core';
import type { SqlDriver, SqlRequest, SqlResult } from './driver.js';
import { bindable, toJsonSafe } from './json-safe.js';
import { namedToPositional } from './placeholders.js';
import { classifySqlError, isReadOnlyRefusal, ReadOnlyRefusal, sqlTimeout } from './sql-errors.js';

/**
 * MySQL and MariaDB through a `mysql2` pool (at most 5 connections per credential, idle ones
 * closed after 30 s). Rows past `maxRows + 1` are streamed and dropped, not kept. Statements are server-side prepared (`execute`), so values are bound,
 * never spliced into the text. A timeout or abort sends `KILL QUERY` for the connection.
 * `LOAD DATA LOCAL INFILE` is disabled: it would let a statement read files of this host.
 */
export function createMysqlDriver(url: string): SqlDriver {
  const uri = url.replace(/^mariadb:/i, 'mysql:');
  const pool = mysql.createPool({
    uri,
    connectionLimit: 5,
    maxIdle: 0,
    idleTimeout: 30_000,
    connectTimeout: 10_000,
    flags: ['-LOCAL_FILES'],
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
    dateStrings: ['DATE'],
    multipleStatements: false,
  });
  pool.on('connection', () => undefined);
  return {
    dialect: 'mysql',
    async run(request: SqlRequest): Promise<SqlResult> {
      const { sql, values } = Array.isArray(request.parameters)
        ? { sql: request.sql, values: request.parameters }
        : namedToPositional(request.sql, request.parameters, 'question');
      let connection: mysql.PoolConnection;
      try {
        connection = await pool.getConnection();
      } catch (error) {
        throw classifySqlError(error, sql, 'mysql');
      }
      let killed = false;
      const kill = (): void => {
        killed = true;
        void pool.query(`KILL QUERY ${Number(connection.threadId)}`).catch(() => undefined);
      };
      const timer = setTimeout(kill, request.timeoutMs);
      request.signal.addEventListener('abort', kill, { once: true });
      try {
        if (request.readOnly) await connection.query('START TRANSACTION READ ONLY');
        try {
          const result = await streamExecute(
            connection,
            sql,
            values.map((v: JsonValue) => bindable(v)),
            request.maxRows + 1,
          );
          if (killed) throw new Error('KILL QUERY');
          return {
            rows: result.rows.map((row) => toJsonSafe({ ...row }) as Record<string, JsonValue>),
            affectedRows: result.header?.affectedRows ?? null,
            lastInsertId: result.header?.insertId ? String(result.header.insertId) : null,
          };
        } finally {
          if (request.readOnly) await connection.query('ROLLBACK').catch(() => undefined);
        }
      } catch (error) {
        if (request.readOnly && isReadOnlyRefusal(error)) throw new ReadOnlyRefusal();
        if (killed) throw sqlTimeout('mysql', request.timeoutMs, request.signal.aborted, error);
        throw classifySqlError(error, sql, 'mysql');
      } finally {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', kill);
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Runs a prepared statement and keeps at most `limit` rows: the rest are read off the socket
 * and dropped (stopping the server mid-result could roll back a `RETURNING` write).
 */
function streamExecute(
  connection: mysql.PoolConnection,
  sql: string,
  values: unknown[],
  limit: number,
): Promise<{ rows: Record<string, unknown>[]; header?: mysql.ResultSetHeader }> {
  return new Promise((resolve, reject) => {
    const rows: Record<string, unknown>[] = [];
    let header: mysql.ResultSetHeader | undefined;
    let hasFields = false;
    // The promise API buffers every row; the callback connection underneath streams them.
    const core = (connection as unknown as { connection: CallbackConnection }).connection;
    const execution = core.execute(sql, values as mysql.ExecuteValues[]);
    execution.on('fields', (fields: unknown) => (hasFields = Array.isArray(fields)));
    execution.on('result', (row: Record<string, unknown>) => {
      if (!hasFields && 'affectedRows' in row) header = row as unknown as mysql.ResultSetHeader;
      else if (rows.length < limit) rows.push(row);
    });
    execution.on('error', reject);
    execution.on('end', () => resolve(header ? { rows, header } : { rows }));
  });
}
