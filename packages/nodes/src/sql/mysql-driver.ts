import mysql from 'mysql2/promise';
import type { JsonValue } from '@flowstate/core';
import type { SqlDriver, SqlRequest, SqlResult } from './driver.js';
import { bindable, toJsonSafe } from './json-safe.js';
import { namedToPositional } from './placeholders.js';
import { classifySqlError, isReadOnlyRefusal, ReadOnlyRefusal, sqlTimeout } from './sql-errors.js';

/**
 * MySQL and MariaDB through a `mysql2` pool (at most 5 connections per credential, idle ones
 * closed after 30 s). Statements are server-side prepared (`execute`), so values are bound,
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
    bigNumberStrings: true,
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
          const [result] = await connection.execute(
            sql,
            values.map((v: JsonValue) => bindable(v)) as mysql.ExecuteValues[],
          );
          if (killed) throw new Error('KILL QUERY');
          if (Array.isArray(result)) {
            const rows = (result as Record<string, unknown>[])
              .slice(0, request.maxRows + 1)
              .map((row) => toJsonSafe({ ...row }) as Record<string, JsonValue>);
            return { rows, affectedRows: null, lastInsertId: null };
          }
          const header = result as mysql.ResultSetHeader;
          return {
            rows: [],
            affectedRows: header.affectedRows,
            lastInsertId: header.insertId ? String(header.insertId) : null,
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
