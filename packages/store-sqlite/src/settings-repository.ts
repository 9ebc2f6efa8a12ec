import type { Database, Statement } from 'better-sqlite3';
import type { JsonValue } from '@flowstate/core';

/** The `settings` table: one JSON value per key (the `SettingsStore` methods). */
export class SettingsRepository {
  readonly #get: Statement<[string], string>;
  readonly #put: Statement<[string, string, number]>;

  constructor(db: Database) {
    this.#get = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
    this.#put = db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  }

  get(key: string): JsonValue | undefined {
    const text = this.#get.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  put(key: string, value: JsonValue, now: number): void {
    this.#put.run(key, JSON.stringify(value), now);
  }
}
