import Database from 'better-sqlite3';
import { NonRetriableError, type JsonValue } from '@flowstate/core';
import type { SqlDriver, SqlRequest, SqlResult } from './driver.js';
import { bindable, toJsonSafe } from './json-safe.js';
import { firstKeyword } from './placeholders.js';
import { classifySqlError, ReadOnlyRefusal } from './sql-errors.js';

/**
 * SQLite through better-sqlite3, one connection per file. Statements run synchronously, so
 * they cannot be interrupted: the timeout only bounds how long a locked database is waited
 * for (`busy_timeout`). Keep SQLite queries small. `ATTACH`, `DETACH` and `VACUUM INTO`
 * are refused because they open or write files by path, outside the data-folder checks.
 */
export function createSqliteDriver(file: string): SqlDriver {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.defaultSafeIntegers(true);
  return {
    dialect: 'sqlite',
    run(request: SqlRequest): Promise<SqlResult> {
      return Promise.resolve().then(() => runSync(db, request));
    },
    close: async () => {
      db.close();
    },
  };
}

function runSync(db: Database.Database, request: SqlRequest): SqlResult {
  const keyword = firstKeyword(request.sql);
  if (
    keyword === 'ATTACH' ||
    keyword === 'DETACH' ||
    (keyword === 'VACUUM' && /\binto\b/i.test(request.sql))
  )
    throw new NonRetriableError(
      `SQLite: ${keyword} is not allowed (it opens files outside the data folder)`,
      { code: 'SQL_STATEMENT_NOT_ALLOWED' },
    );
  try {
    db.pragma(`busy_timeout = ${Math.floor(request.timeoutMs)}`);
    const statement = db.prepare(request.sql);
    if (request.readOnly && !statement.readonly) throw new ReadOnlyRefusal();
    const params = Array.isArray(request.parameters)
      ? request.parameters.map((value) => bindable(value, true))
      : [
          Object.fromEntries(
            Object.entries(request.parameters).map(([k, v]) => [k, bindable(v, true)]),
          ),
        ];
    if (statement.reader) {
      const rows: Record<string, JsonValue>[] = [];
      for (const row of statement.iterate(...params) as Iterable<Record<string, unknown>>) {
        rows.push(toJsonSafe(row) as Record<string, JsonValue>);
        if (rows.length > request.maxRows) break;
      }
      return { rows, affectedRows: null, lastInsertId: null };
    }
    const info = statement.run(...params);
    return {
      rows: [],
      affectedRows: info.changes,
      lastInsertId: info.changes > 0 ? String(info.lastInsertRowid) : null,
    };
  } catch (error) {
    if (error instanceof ReadOnlyRefusal) throw error;
    throw classifySqlError(error, request.sql, 'sqlite');
  }
}
