import type { Database, Statement } from 'better-sqlite3';
import type { JsonValue } from '@flowstate/core';
import type { IdempotencyRecord } from '@flowstate/engine';

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

/** The `idempotency_keys` table (see `IdempotencyStore`). */
export class IdempotencyRepository {
  readonly #db: Database;
  readonly #get: Statement<[string, string], IdempotencyRow>;
  readonly #put: Statement<[IdempotencyRow]>;
  readonly #touch: Statement<[{ scope: string; key: string; now: number }]>;
  readonly #complete: Statement<[{ scope: string; key: string; response: string; now: number }]>;
  readonly #release: Statement<[string, string]>;
  readonly #prune: Statement<[{ now: number; limit: number }]>;

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?');
    this.#put = db.prepare(`INSERT OR REPLACE INTO idempotency_keys (scope, key, request_hash,
      state, response, created_at, updated_at, expires_at) VALUES (@scope, @key, @request_hash,
      @state, @response, @created_at, @updated_at, @expires_at)`);
    this.#touch = db.prepare(
      'UPDATE idempotency_keys SET updated_at = @now WHERE scope = @scope AND key = @key',
    );
    this.#complete = db.prepare(`UPDATE idempotency_keys SET state = 'done',
      response = @response, updated_at = @now WHERE scope = @scope AND key = @key`);
    this.#release = db.prepare(`UPDATE idempotency_keys SET updated_at = 0
      WHERE scope = ? AND key = ? AND state = 'pending'`);
    this.#prune = db.prepare(`DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid
      FROM idempotency_keys WHERE expires_at <= @now ORDER BY expires_at LIMIT @limit)`);
  }

  claim(input: {
    scope: string;
    key: string;
    requestHash: string;
    now: number;
    ttlMs: number;
    staleBefore: number;
  }): { claimed: boolean; record: IdempotencyRecord } {
    return this.#db
      .transaction(() => {
        const row = this.#get.get(input.scope, input.key);
        if (row === undefined || row.expires_at <= input.now) {
          const fresh: IdempotencyRow = {
            scope: input.scope,
            key: input.key,
            request_hash: input.requestHash,
            state: 'pending',
            response: null,
            created_at: input.now,
            updated_at: input.now,
            expires_at: input.now + input.ttlMs,
          };
          this.#put.run(fresh);
          return { claimed: true, record: toRecord(fresh) };
        }
        const takeOver =
          row.state === 'pending' &&
          row.updated_at < input.staleBefore &&
          row.request_hash === input.requestHash;
        if (!takeOver) return { claimed: false, record: toRecord(row) };
        this.#touch.run({ scope: input.scope, key: input.key, now: input.now });
        return { claimed: true, record: toRecord({ ...row, updated_at: input.now }) };
      })
      .immediate();
  }

  complete(input: { scope: string; key: string; response: JsonValue; now: number }): void {
    this.#complete.run({
      scope: input.scope,
      key: input.key,
      response: JSON.stringify(input.response),
      now: input.now,
    });
  }

  release(scope: string, key: string): void {
    this.#release.run(scope, key);
  }

  prune(now: number, limit: number): number {
    return this.#prune.run({ now, limit }).changes;
  }
}
