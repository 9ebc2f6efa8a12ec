import type pg from 'pg';
import type { JsonValue } from '@flowstate/core';

/** The `settings` table: one JSON value per key (the `SettingsStore` methods). */
export class SettingsRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const { rows } = await this.#pool.query<{ value: string }>(
      'SELECT value FROM settings WHERE key = $1',
      [key],
    );
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].value) as JsonValue);
  }

  async put(key: string, value: JsonValue, now: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, JSON.stringify(value), now],
    );
  }
}
