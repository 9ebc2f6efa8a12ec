import type pg from 'pg';
import type { JsonValue } from '@flowstate/core';
import type { IdempotencyRecord } from '@flowstate/engine';
import { inTransaction } from './connection.js';

interface IdempotencyRow {
  scope: string;
  key: string;
  request_hash: string;
  state: string;
  response: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

function toRecord(row: IdempotencyRow): IdempotencyRecord {
  return {
    scope: row.scope,
    key: row.key,
    requestHash: row.request_hash,
    state: row.state as IdempotencyRecord['state'],
    ...(row.response === null ? {} : { response: JSON.parse(row.response) as JsonValue }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

/** A fresh pending claim, unless a record exists (then nothing is inserted). */
const INSERT_SQL = `INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at,
  updated_at, expires_at) VALUES ($1, $2, $3, 'pending', $4, $4, $5)
  ON CONFLICT (scope, key) DO NOTHING RETURNING *`;

/** Replaces an expired record by a fresh pending claim. */
const RENEW_SQL = `UPDATE idempotency_keys SET request_hash = $3, state = 'pending',
  response = NULL, created_at = $4, updated_at = $4, expires_at = $5
  WHERE scope = $1 AND key = $2 RETURNING *`;

const PRUNE_SQL = `WITH expired AS MATERIALIZED (
  SELECT scope, key FROM idempotency_keys WHERE expires_at <= $1
  ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
)
DELETE FROM idempotency_keys k USING expired
WHERE k.scope = expired.scope AND k.key = expired.key`;

/** The `idempotency_keys` table (see `IdempotencyStore`). */
export class IdempotencyRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Inserts a pending claim, or decides under the existing record's row lock: replace it when
   * expired, take it over when stale with the same request hash, else report it. Two requests
   * with one key at once: the second's insert waits for the first's, then finds its row.
   */
  claim(input: {
    scope: string;
    key: string;
    requestHash: string;
    now: number;
    ttlMs: number;
    staleBefore: number;
  }): Promise<{ claimed: boolean; record: IdempotencyRecord }> {
    const fresh = [input.scope, input.key, input.requestHash, input.now, input.now + input.ttlMs];
    return inTransaction(this.#pool, async (client) => {
      // A record pruned between the insert and the lock: try again.
      for (let attempt = 1; ; attempt++) {
        const inserted = await client.query<IdempotencyRow>(INSERT_SQL, fresh);
        if (inserted.rows[0] !== undefined) {
          return { claimed: true, record: toRecord(inserted.rows[0]) };
        }
        const { rows } = await client.query<IdempotencyRow>(
          'SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2 FOR UPDATE',
          [input.scope, input.key],
        );
        const row = rows[0];
        if (row === undefined) {
          if (attempt < 3) continue;
          throw new Error(`idempotency key ${input.scope}/${input.key} keeps disappearing`);
        }
        if (row.expires_at <= input.now) {
          const renewed = await client.query<IdempotencyRow>(RENEW_SQL, fresh);
          return { claimed: true, record: toRecord(renewed.rows[0]!) };
        }
        const takeOver =
          row.state === 'pending' &&
          row.updated_at < input.staleBefore &&
          row.request_hash === input.requestHash;
        if (!takeOver) return { claimed: false, record: toRecord(row) };
        await client.query(
          'UPDATE idempotency_keys SET updated_at = $3 WHERE scope = $1 AND key = $2',
          [input.scope, input.key, input.now],
        );
        return { claimed: true, record: toRecord({ ...row, updated_at: input.now }) };
      }
    });
  }

  async complete(input: {
    scope: string;
    key: string;
    response: JsonValue;
    now: number;
  }): Promise<void> {
    await this.#pool.query(
      `UPDATE idempotency_keys SET state = 'done', response = $3, updated_at = $4
      WHERE scope = $1 AND key = $2`,
      [input.scope, input.key, JSON.stringify(input.response), input.now],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.#pool.query(
      `UPDATE idempotency_keys SET updated_at = 0
      WHERE scope = $1 AND key = $2 AND state = 'pending'`,
      [scope, key],
    );
  }

  async prune(now: number, limit: number): Promise<number> {
    const result = await this.#pool.query(PRUNE_SQL, [now, limit]);
    return result.rowCount ?? 0;
  }
}
