import type { JsonValue } from '@flowstate/core';

/** One statement to run. */
export interface SqlRequest {
  sql: string;
  /** Positional values, or named ones for `:name` placeholders. */
  parameters: JsonValue[] | Record<string, JsonValue>;
  /** Rows to return at most; drivers return up to `maxRows + 1` so the caller sees overflow. */
  maxRows: number;
  timeoutMs: number;
  /** Aborted when the attempt is cancelled or times out. */
  signal: AbortSignal;
  /** Run inside a read-only transaction and roll back (simulation of reads). */
  readOnly: boolean;
}

/** What a statement produced, already JSON-safe. */
export interface SqlResult {
  rows: Record<string, JsonValue>[];
  affectedRows: number | null;
  lastInsertId: string | null;
}

/** One database behind a credential: a pool (PostgreSQL, MySQL) or an open file (SQLite). */
export interface SqlDriver {
  readonly dialect: 'postgres' | 'mysql' | 'sqlite';
  run(request: SqlRequest): Promise<SqlResult>;
  close(): Promise<void>;
}

/**
 * Drivers by key (credential id and URL), each closed once it has been unused for `idleMs`
 * so an idle install holds no connections and a changed credential gets a fresh pool.
 */
export class DriverCache {
  private readonly entries = new Map<
    string,
    { driver: SqlDriver; busy: number; timer?: NodeJS.Timeout }
  >();
  constructor(private readonly idleMs: number) {}

  /** Runs `fn` with the driver for `key` (opened by `open` when there is none). */
  async use<T>(
    key: string,
    open: () => SqlDriver,
    fn: (driver: SqlDriver) => Promise<T>,
  ): Promise<T> {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { driver: open(), busy: 0 };
      this.entries.set(key, entry);
    }
    if (entry.timer) clearTimeout(entry.timer);
    entry.busy += 1;
    try {
      return await fn(entry.driver);
    } finally {
      entry.busy -= 1;
      if (entry.busy === 0 && this.entries.get(key) === entry) {
        const idle = entry;
        idle.timer = setTimeout(() => {
          this.entries.delete(key);
          void idle.driver.close().catch(() => undefined);
        }, this.idleMs);
        idle.timer.unref();
      }
    }
  }

  /** Closes every driver (host shutdown, tests). */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) if (entry.timer) clearTimeout(entry.timer);
    await Promise.all(entries.map((entry) => entry.driver.close().catch(() => undefined)));
  }
}
