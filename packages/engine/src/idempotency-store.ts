import type { JsonValue } from '@flowstate/core';

/**
 * Storage of idempotency keys (the `Idempotency-Key` header of the events API): the first
 * request with a key is processed and its response stored; a repeat within the key's life
 * gets the stored response instead of being processed again.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` in `scope` for a request whose body hashes to `requestHash`. Inserts a
   * `pending` record (`claimed: true`) when none is live; an expired record is replaced. A
   * `pending` record last claimed before `staleBefore` (its request died) is taken over when
   * the hash matches (`claimed: true`, `createdAt` kept). Otherwise returns the live record
   * with `claimed: false`.
   */
  claimIdempotencyKey(input: {
    scope: string;
    key: string;
    requestHash: string;
    now: number;
    ttlMs: number;
    staleBefore: number;
  }): Promise<{ claimed: boolean; record: IdempotencyRecord }>;
  /** Stores the response of a claimed key and marks it `done`. */
  completeIdempotencyKey(input: {
    scope: string;
    key: string;
    response: JsonValue;
    now: number;
  }): Promise<void>;
  /**
   * Marks a `pending` claim whose request failed as stale at once, so a retry of the same
   * request takes it over without waiting (keeping `createdAt`, which callers may derive
   * dedupe keys from). A `done` record is left alone.
   */
  releaseIdempotencyKey(input: { scope: string; key: string }): Promise<void>;
  /** Deletes up to `limit` expired records; returns how many. */
  pruneIdempotencyKeys(input: { now: number; limit: number }): Promise<number>;
}

export interface IdempotencyRecord {
  scope: string;
  key: string;
  /** Hash of the request the key was first used with. */
  requestHash: string;
  state: 'pending' | 'done';
  /** The stored response, once `done`. */
  response?: JsonValue;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}
