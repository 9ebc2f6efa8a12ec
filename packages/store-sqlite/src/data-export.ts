import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { FlowstateError } from '@flowstate/core';
import { decodeCompactJournal } from '@flowstate/engine';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { BLOB_PREFIX } from './payload-codec.js';
import { runMigrations } from './migrations.js';
import {
  BOOLEANS,
  COLUMNS,
  PAYLOADS,
  PORTABLE_TABLES,
  stepRow,
  type PortableBatch,
  type PortableRow,
  type PortableTable,
} from './portable-rows.js';
import { DATABASE_FILE } from './sqlite-store.js';

const PAGE_ROWS = 200;
/** A batch is handed over once its payload text passes this many characters. */
const BATCH_CHARS = 8 * 1024 * 1024;
const FINAL_STEP = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/** How many rows of each kind a data folder holds (steps include compact journals). */
export type PortableCounts = Record<PortableTable | 'blobs', number>;

/** What a batch iteration noticed that the operator should hear about. */
export interface ExportNotes {
  /** Payload references whose blob is missing: copied as they are (reads report them). */
  missingBlobs: string[];
  /** Non-final steps whose lease was expired, so any worker of the target claims them. */
  expiredLeases: number;
}

/**
 * Read side of `flowstate migrate`: a stopped data folder's rows, table by table, in the
 * portable form (`PortableRow`). Opening takes the folder's lock, so a running server (or a
 * server started meanwhile) and the export exclude each other; `close()` releases it.
 *
 * Differences from a raw table copy: payloads come with their blobs resolved; an execution
 * stored as a compact journal (`steps_json`, see compact-journal.ts) comes with its step rows;
 * every lease is expired as of `now`, as an embedded server does when it restarts (its leases
 * belong to a process that is gone), and schedule and undispatched entity-event leases are
 * released.
 *
 * @example
 * const source = SqliteExport.open('./.flowstate');
 * for (const batch of source.batches(Date.now())) await target.insert(batch);
 * source.close();
 */
export class SqliteExport {
  readonly #db: Database.Database;
  readonly #lock: DataDirLock;
  readonly #blob: Database.Statement<[string], { data: string }>;

  private constructor(db: Database.Database, lock: DataDirLock) {
    this.#db = db;
    this.#lock = lock;
    this.#blob = db.prepare('SELECT data FROM blobs WHERE id = ?');
  }

  /**
   * Opens `<dataDir>/flowstate.db` under the folder's lock and brings its schema up to date
   * (as starting the server would). Throws `DATA_DIR_MISSING` when the folder or its database
   * does not exist and `DATA_DIR_LOCKED` while another process holds the folder.
   */
  static open(dataDir: string): SqliteExport {
    const dir = resolve(dataDir);
    const file = join(dir, DATABASE_FILE);
    if (!existsSync(file)) {
      throw new FlowstateError(
        'DATA_DIR_MISSING',
        `No Flowstate data folder at ${dir} (${existsSync(dir) ? `it has no ${DATABASE_FILE}` : 'the folder does not exist'}); set FLOWSTATE_DATA_DIR to the folder the server used`,
      );
    }
    const lock = acquireDataDirLock(dir);
    try {
      const db = new Database(file, { fileMustExist: true, timeout: 5_000 });
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      runMigrations(db);
      return new SqliteExport(db, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The folder this export holds. */
  get dir(): string {
    return this.#lock.dir;
  }

  /** Rows per table, and the blobs that hold large payloads. */
  counts(): PortableCounts {
    const count = (sql: string): number => this.#db.prepare<[], number>(sql).pluck().get() ?? 0;
    const counts = { blobs: count('SELECT count(*) FROM blobs') } as PortableCounts;
    for (const table of PORTABLE_TABLES) counts[table] = count(`SELECT count(*) FROM ${table}`);
    const summaries = this.#db
      .prepare<[], string>('SELECT steps_summary FROM executions WHERE steps_summary IS NOT NULL')
      .pluck()
      .all();
    for (const text of summaries) {
      for (const n of Object.values(JSON.parse(text) as Record<string, number>)) counts.steps += n;
    }
    return counts;
  }

  /** Executions not yet finished (running or paused). */
  unfinishedExecutions(): number {
    return this.#db
      .prepare<[], number>(
        "SELECT count(*) FROM executions WHERE status NOT IN ('succeeded','failed','cancelled')",
      )
      .pluck()
      .get()!;
  }

  /** Entity events not yet dispatched (their workflows start on the target, once). */
  undispatchedEvents(): number {
    return this.#db
      .prepare<[], number>('SELECT count(*) FROM crm_events WHERE dispatched_at IS NULL')
      .pluck()
      .get()!;
  }

  /** Credentials per encryption key id (`credentials.key_id`). */
  credentialKeys(): Map<string, string[]> {
    const rows = this.#db
      .prepare<[], { key_id: string; name: string }>(
        'SELECT key_id, name FROM credentials ORDER BY name',
      )
      .all();
    const keys = new Map<string, string[]>();
    for (const row of rows) keys.set(row.key_id, [...(keys.get(row.key_id) ?? []), row.name]);
    return keys;
  }

  /**
   * Every row of every table, in batches, tables in `PORTABLE_TABLES` order (rows in the order
   * they were written). Leases are expired as of `now`. Fills `notes` as it goes.
   */
  *batches(now: number, notes: ExportNotes = { missingBlobs: [], expiredLeases: 0 }) {
    for (const table of PORTABLE_TABLES) {
      let after = 0;
      for (;;) {
        const page = this.#db
          .prepare<[number, number], PortableRow & { _rowid: number }>(
            `SELECT rowid AS _rowid, ${COLUMNS[table]} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
          )
          .all(after, PAGE_ROWS);
        if (page.length === 0) break;
        after = page[page.length - 1]!._rowid;
        let rows: PortableRow[] = [];
        let compactSteps: PortableRow[] = [];
        let chars = 0;
        for (const { _rowid, ...row } of page) {
          chars += this.#portable(table, row, now, notes);
          if (table === 'executions') {
            const steps = this.#compactSteps(row);
            compactSteps.push(...steps);
            chars += steps.reduce((sum, step) => sum + payloadChars(step), 0);
          }
          rows.push(row);
          if (chars >= BATCH_CHARS) {
            yield* flush(table, rows, compactSteps);
            rows = [];
            compactSteps = [];
            chars = 0;
          }
        }
        yield* flush(table, rows, compactSteps);
      }
    }
  }

  /** Releases the folder's lock and closes the database. */
  close(): void {
    if (this.#db.open) this.#db.close();
    this.#lock.release();
  }

  /** Turns a raw row into its portable form in place; returns its payload size in chars. */
  #portable(table: PortableTable, row: PortableRow, now: number, notes: ExportNotes): number {
    for (const column of BOOLEANS[table] ?? []) row[column] = row[column] === 1;
    let chars = 0;
    for (const column of PAYLOADS[table] ?? []) {
      const text = row[column];
      if (typeof text !== 'string') continue;
      row[column] = this.#resolve(text, notes);
      chars += (row[column] as string).length;
    }
    if (
      table === 'steps' &&
      row['lease_owner'] !== null &&
      !FINAL_STEP.has(String(row['status']))
    ) {
      const expires = row['lease_expires_at'];
      if (expires === null || (expires as number) > now) {
        row['lease_expires_at'] = now;
        notes.expiredLeases += 1;
      }
    }
    if (table === 'schedules') {
      row['lease_owner'] = null;
      row['lease_expires_at'] = null;
    }
    // An undispatched entity event stays undispatched (the target's dispatcher starts its
    // workflows once); a claim by the stopped server is released, as its restart would.
    if (table === 'crm_events' && row['dispatched_at'] === null) {
      row['lease_owner'] = null;
      row['lease_expires_at'] = null;
    }
    return chars;
  }

  /** The JSON text a payload column stands for (a missing blob's reference is kept). */
  #resolve(text: string, notes: ExportNotes): string {
    if (!text.startsWith(BLOB_PREFIX)) return text;
    const blob = this.#blob.get(text.slice(BLOB_PREFIX.length));
    if (blob !== undefined) return blob.data;
    notes.missingBlobs.push(text.slice(BLOB_PREFIX.length));
    return text;
  }

  /** The step rows of a compact execution (removing `steps_json` from its row). */
  #compactSteps(row: PortableRow): PortableRow[] {
    const journal = row['steps_json'];
    delete row['steps_json'];
    if (typeof journal !== 'string' || journal.startsWith(BLOB_PREFIX)) return [];
    const input =
      typeof row['input'] === 'string' && !row['input'].startsWith(BLOB_PREFIX)
        ? JSON.parse(row['input'])
        : undefined;
    return decodeCompactJournal(String(row['id']), input, JSON.parse(journal)).map(stepRow);
  }
}

function* flush(table: PortableTable, rows: PortableRow[], compactSteps: PortableRow[]) {
  if (rows.length > 0) yield { table, rows } satisfies PortableBatch;
  if (compactSteps.length > 0) yield { table: 'steps', rows: compactSteps } satisfies PortableBatch;
}

function payloadChars(row: PortableRow): number {
  let chars = 0;
  for (const value of Object.values(row)) if (typeof value === 'string') chars += value.length;
  return chars;
}
