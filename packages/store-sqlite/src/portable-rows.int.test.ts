import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COLUMNS, PORTABLE_TABLES } from './portable-rows.js';
import { SqliteStore } from './sqlite-store.js';

/** Tables `flowstate migrate` leaves out on purpose, and why. */
const NOT_EXPORTED = new Set([
  'schema_migrations', // the target has its own
  'blobs', // payloads travel inline, blobs resolved
  'sqlite_sequence', // SQLite's AUTOINCREMENT bookkeeping
]);
/** SQLite-only columns the export leaves out (folded into rows or recomputed). */
const SQLITE_ONLY = new Set(['executions.steps_summary']);
/** Derived tables: the CRM's FTS5 index and its shadow tables, rebuilt on the target. */
const isDerived = (name: string) => /_fts(_\w+)?$/.test(name);

describe('the portable tables (what flowstate migrate copies)', () => {
  let dir: string;
  let db: Database.Database;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowstate-portable-'));
    await (await SqliteStore.open(dir)).close();
    db = new Database(join(dir, 'flowstate.db'), { readonly: true });
  });

  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('are every table of the current schema but bookkeeping and derived data', () => {
    const tables = db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all()
      .filter((name) => !NOT_EXPORTED.has(name) && !isDerived(name));
    expect([...PORTABLE_TABLES].sort()).toEqual(tables);
  });

  test('read every column of their table', () => {
    for (const table of PORTABLE_TABLES) {
      const actual = db
        .prepare<[], string>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)
        .pluck()
        .all()
        .filter((column) => !SQLITE_ONLY.has(`${table}.${column}`));
      const read = COLUMNS[table].split(',').map((column) => column.trim());
      expect({ table, columns: [...read].sort() }).toEqual({ table, columns: [...actual].sort() });
    }
  });
});
