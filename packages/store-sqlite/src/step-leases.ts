import type { Database, Statement } from 'better-sqlite3';
import type { ClaimedStep, StepRef, StepStatus } from '@flowstate/engine';
import { FINAL_STEP_SQL } from './migrations.js';
import type { PayloadCodec } from './payload-codec.js';
import { STEP_COLUMNS, toStepRecord, type StepRow } from './rows.js';

// CROSS JOIN makes SQLite walk the small claim index first and look executions up by id,
// never scan the (possibly huge) set of running executions.
/** Due steps of running executions, earliest first. Exported for the query-plan test. */
export const DUE_STEPS_SQL = `SELECT s.execution_id, s.key, s.status FROM steps s
  CROSS JOIN executions e ON e.id = s.execution_id
  WHERE s.claim_at <= @now AND e.status = 'running'
  ORDER BY s.claim_at LIMIT @limit`;

/** Earliest claim time of a ready or timed waiting step. Exported for the query-plan test. */
export const NEXT_DUE_SQL = `SELECT s.claim_at FROM steps s
  CROSS JOIN executions e ON e.id = s.execution_id
  WHERE s.claim_at IS NOT NULL AND s.status <> 'running' AND e.status = 'running'
  ORDER BY s.claim_at LIMIT 1`;

interface ClaimInput {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
}

/**
 * Claims, renews, releases and expires step leases. Every query walks the partial index on
 * the generated `claim_at` column, which holds only steps that can ever be claimed.
 */
export class StepLeases {
  readonly #codec: PayloadCodec;
  readonly #due: Statement<
    [{ now: number; limit: number }],
    { execution_id: string; key: string; status: string }
  >;
  readonly #take: Statement<
    [{ execution_id: string; key: string; owner: string; until: number }],
    StepRow
  >;
  readonly #renew: Statement<[{ execution_id: string; key: string; owner: string; until: number }]>;
  readonly #release: Statement<[string]>;
  readonly #expire: Statement<[{ except: string; now: number }]>;
  readonly #nextDue: Statement<[], { claim_at: number }>;
  readonly #claim: (input: ClaimInput) => ClaimedStep[];
  readonly #renewAll: (owner: string, steps: readonly StepRef[], until: number) => StepRef[];

  constructor(db: Database, codec: PayloadCodec) {
    this.#codec = codec;
    this.#due = db.prepare(DUE_STEPS_SQL);
    this.#take = db.prepare(`UPDATE steps SET
      status = CASE status WHEN 'ready' THEN 'running' ELSE status END,
      attempt = CASE status WHEN 'waiting' THEN attempt ELSE attempt + 1 END,
      lease_owner = @owner, lease_expires_at = @until
      WHERE execution_id = @execution_id AND key = @key RETURNING ${STEP_COLUMNS}`);
    this.#renew = db.prepare(`UPDATE steps SET lease_expires_at = @until
      WHERE execution_id = @execution_id AND key = @key AND lease_owner = @owner
      AND status NOT IN ${FINAL_STEP_SQL}`);
    this.#release = db.prepare(
      'UPDATE steps SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ?',
    );
    this.#expire = db.prepare(`UPDATE steps SET lease_expires_at = @now
      WHERE lease_owner IS NOT NULL AND lease_owner <> @except
      AND (lease_expires_at IS NULL OR lease_expires_at > @now)
      AND status NOT IN ${FINAL_STEP_SQL}`);
    this.#nextDue = db.prepare(NEXT_DUE_SQL);

    this.#claim = db.transaction((input: ClaimInput): ClaimedStep[] => {
      const until = input.now + input.leaseMs;
      return this.#due.all({ now: input.now, limit: input.limit }).map((due) => {
        const row = this.#take.get({
          execution_id: due.execution_id,
          key: due.key,
          owner: input.owner,
          until,
        });
        if (row === undefined)
          throw new Error(`Step ${due.execution_id}/${due.key} vanished during a claim`);
        return { step: toStepRecord(row, this.#codec), previousStatus: due.status as StepStatus };
      });
    }).immediate;
    this.#renewAll = db.transaction((owner: string, steps: readonly StepRef[], until: number) => {
      return steps.filter(
        (ref) =>
          this.#renew.run({ execution_id: ref.executionId, key: ref.key, owner, until }).changes >
          0,
      );
    }).immediate;
  }

  /** See `Store.claimSteps`. */
  claim(input: ClaimInput): ClaimedStep[] {
    if (input.limit <= 0) return [];
    return this.#claim(input);
  }

  /** See `Store.renewLeases`. */
  renew(owner: string, steps: readonly StepRef[], leaseExpiresAt: number): StepRef[] {
    return steps.length === 0 ? [] : this.#renewAll(owner, steps, leaseExpiresAt);
  }

  /** See `Store.releaseLeases`. */
  release(owner: string): void {
    this.#release.run(owner);
  }

  /** See `Store.expireLeases`. */
  expire(exceptOwner: string, now: number): number {
    return this.#expire.run({ except: exceptOwner, now }).changes;
  }

  /** See `Store.nextDueAt`. */
  nextDue(): number | undefined {
    return this.#nextDue.get()?.claim_at;
  }
}
