import type pg from 'pg';
import type { ClaimedStep, StepRef, StepStatus } from '@flowstate/engine';
import { retrying } from './connection.js';
import { FINAL_STEP_SQL } from './migrations.js';
import { stepColumns, toStepRecord, type StepRow } from './rows.js';

/**
 * Claims due steps of running executions, earliest first. The CTE, evaluated once
 * (MATERIALIZED), picks and locks at most `$2` rows (SKIP LOCKED: rows another worker is
 * claiming right now are passed over, never waited for) and the UPDATE takes exactly those.
 * `WHERE (id) IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` is NOT equivalent: the planner
 * may rescan the sub-select (the inner side of a nested-loop semi-join), each scan skipping
 * other rows, and claim more than n. Exported for tests.
 */
export const CLAIM_SQL = `WITH c AS MATERIALIZED (
  SELECT s.execution_id, s.key, s.status AS previous_status, s.claim_at AS due
  FROM steps s JOIN executions e ON e.id = s.execution_id
  WHERE s.claim_at <= $1 AND e.status = 'running'
  ORDER BY s.claim_at
  LIMIT $2
  FOR UPDATE OF s SKIP LOCKED
)
UPDATE steps s SET
  status = CASE s.status WHEN 'ready' THEN 'running' ELSE s.status END,
  attempt = CASE s.status WHEN 'waiting' THEN s.attempt ELSE s.attempt + 1 END,
  lease_owner = $3, lease_expires_at = $4
FROM c WHERE s.execution_id = c.execution_id AND s.key = c.key
RETURNING c.previous_status, c.due, ${stepColumns('s')}`;

/** Earliest claim time of a ready or timed waiting step. */
export const NEXT_DUE_SQL = `SELECT s.claim_at FROM steps s
  JOIN executions e ON e.id = s.execution_id
  WHERE s.claim_at IS NOT NULL AND s.status <> 'running' AND e.status = 'running'
  ORDER BY s.claim_at LIMIT 1`;

const RENEW_SQL = `UPDATE steps s SET lease_expires_at = $3
  FROM unnest($1::text[], $2::text[]) AS r(execution_id, key)
  WHERE s.execution_id = r.execution_id AND s.key = r.key AND s.lease_owner = $4
  AND s.status NOT IN ${FINAL_STEP_SQL}
  RETURNING s.execution_id, s.key`;

const RELEASE_SQL =
  'UPDATE steps SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1';

const EXPIRE_SQL = `UPDATE steps SET lease_expires_at = $2
  WHERE lease_owner IS NOT NULL AND lease_owner <> $1
  AND (lease_expires_at IS NULL OR lease_expires_at > $2)
  AND status NOT IN ${FINAL_STEP_SQL}`;

/** Claims, renews, releases and expires step leases (see ARCHITECTURE.md). */
export class StepLeases {
  readonly #pool: pg.Pool;
  /** Called after a release or expiry made steps claimable at once. */
  readonly #onFreed: () => Promise<void>;

  constructor(pool: pg.Pool, onFreed: () => Promise<void>) {
    this.#pool = pool;
    this.#onFreed = onFreed;
  }

  /** See `Store.claimSteps`. */
  async claim(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ClaimedStep[]> {
    if (input.limit <= 0) return [];
    const { rows } = await this.#pool.query<StepRow & { previous_status: string; due: number }>({
      name: 'fs_claim',
      text: CLAIM_SQL,
      values: [input.now, input.limit, input.owner, input.now + input.leaseMs],
    });
    // UPDATE ... RETURNING gives no order: put the earliest due first, as the claim chose them.
    rows.sort((a, b) => a.due - b.due);
    return rows.map((row) => ({
      step: toStepRecord(row),
      previousStatus: row.previous_status as StepStatus,
    }));
  }

  /** See `Store.renewLeases`. */
  async renew(
    owner: string,
    steps: readonly StepRef[],
    leaseExpiresAt: number,
  ): Promise<StepRef[]> {
    if (steps.length === 0) return [];
    // Sorted, so that concurrent renewals lock rows in one order.
    const refs = [...steps].sort((a, b) =>
      a.executionId === b.executionId
        ? compare(a.key, b.key)
        : compare(a.executionId, b.executionId),
    );
    const result = await retrying(() =>
      this.#pool.query<{ execution_id: string; key: string }>({
        name: 'fs_renew',
        text: RENEW_SQL,
        values: [refs.map((r) => r.executionId), refs.map((r) => r.key), leaseExpiresAt, owner],
      }),
    );
    return result.rows.map((row) => ({ executionId: row.execution_id, key: row.key }));
  }

  /** See `Store.releaseLeases`. */
  async release(owner: string): Promise<void> {
    const result = await retrying(() => this.#pool.query(RELEASE_SQL, [owner]));
    if ((result.rowCount ?? 0) > 0) await this.#onFreed();
  }

  /** See `Store.expireLeases`. */
  async expire(exceptOwner: string, now: number): Promise<number> {
    const result = await retrying(() => this.#pool.query(EXPIRE_SQL, [exceptOwner, now]));
    const expired = result.rowCount ?? 0;
    if (expired > 0) await this.#onFreed();
    return expired;
  }

  /** See `Store.nextDueAt`. */
  async nextDue(): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ claim_at: number }>({
      name: 'fs_next_due',
      text: NEXT_DUE_SQL,
    });
    return rows[0]?.claim_at;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
