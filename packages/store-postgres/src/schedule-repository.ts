import type pg from 'pg';
import {
  scheduleId,
  type CatchUpPolicy,
  type ScheduleFence,
  type ScheduleRecord,
  type ScheduleSpec,
} from '@flowstate/engine';
import { inTransaction, retrying } from './connection.js';

interface ScheduleRow {
  id: string;
  workflow_id: string;
  trigger_node_id: string;
  version: number;
  cron: string;
  timezone: string;
  catch_up: string;
  catch_up_limit: number;
  next_run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

function toRecord(row: ScheduleRow): ScheduleRecord {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    triggerNodeId: row.trigger_node_id,
    version: row.version,
    cron: row.cron,
    timezone: row.timezone,
    catchUp: row.catch_up as CatchUpPolicy,
    catchUpLimit: row.catch_up_limit,
    nextRunAt: row.next_run_at,
    ...(row.lease_owner === null ? {} : { leaseOwner: row.lease_owner }),
    ...(row.lease_expires_at === null || row.lease_owner === null
      ? {}
      : { leaseExpiresAt: row.lease_expires_at }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const OF_WORKFLOW_SQL = 'SELECT * FROM schedules WHERE workflow_id = $1 ORDER BY next_run_at, id';

const INSERT_SQL = `INSERT INTO schedules (id, workflow_id, trigger_node_id, version, cron,
  timezone, catch_up, catch_up_limit, next_run_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`;

/** A changed row is rewritten and loses its lease, so a tick claimed before cannot fire. */
const REWRITE_SQL = `UPDATE schedules SET version = $2, cron = $3, timezone = $4, catch_up = $5,
  catch_up_limit = $6, next_run_at = $7, lease_owner = NULL, lease_expires_at = NULL,
  updated_at = $8 WHERE id = $1`;

/**
 * Leases due schedules whose lease is free or expired. As for steps, the CTE locks at most
 * `$2` rows, skipping those another scheduler is claiming, and the UPDATE takes exactly those.
 */
const CLAIM_SQL = `WITH due AS MATERIALIZED (
  SELECT id FROM schedules
  WHERE next_run_at <= $1 AND (lease_owner IS NULL OR lease_expires_at <= $1)
  ORDER BY next_run_at LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE schedules s SET lease_owner = $3, lease_expires_at = $4
FROM due WHERE s.id = due.id RETURNING s.*`;

const ADVANCE_SQL = `UPDATE schedules SET next_run_at = $5,
  lease_owner = CASE WHEN $6 THEN NULL ELSE lease_owner END,
  lease_expires_at = CASE WHEN $6 THEN NULL ELSE lease_expires_at END,
  updated_at = $7
  WHERE id = $1 AND lease_owner = $2 AND version = $3 AND next_run_at = $4`;

const NEXT_DUE_SQL = `SELECT min(CASE WHEN lease_owner IS NULL THEN next_run_at
  ELSE greatest(next_run_at, lease_expires_at) END) AS at FROM schedules`;

/**
 * The `schedules` table: one row per schedule trigger of an active workflow. Claims take a
 * lease; every write by a scheduler is fenced on the lease owner, version and next run it
 * saw, so an edit or a deactivation in between makes it refuse (see `ScheduleStore`). Ticks
 * fired with an execution are fenced in the commit (execution-start.ts).
 */
export class ScheduleRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  sync(input: {
    workflowId: string;
    version: number;
    schedules: readonly ScheduleSpec[];
    now: number;
  }): Promise<ScheduleRecord[]> {
    return inTransaction(this.#pool, async (client) => {
      // The workflow row first (as a tick's commit does), so syncs of one workflow take turns.
      await client.query('SELECT 1 FROM workflows WHERE id = $1 FOR NO KEY UPDATE', [
        input.workflowId,
      ]);
      const { rows } = await client.query<ScheduleRow>(`${OF_WORKFLOW_SQL} FOR UPDATE`, [
        input.workflowId,
      ]);
      const existing = new Map(rows.map((row) => [row.id, row]));
      for (const spec of input.schedules) {
        const id = scheduleId(input.workflowId, spec.triggerNodeId);
        const old = existing.get(id);
        existing.delete(id);
        if (old === undefined) {
          await client.query(INSERT_SQL, [
            id,
            input.workflowId,
            spec.triggerNodeId,
            input.version,
            spec.cron,
            spec.timezone,
            spec.catchUp,
            spec.catchUpLimit,
            spec.nextRunAt,
            input.now,
          ]);
          continue;
        }
        const timing = old.cron !== spec.cron || old.timezone !== spec.timezone;
        const changed =
          timing ||
          old.version !== input.version ||
          old.catch_up !== spec.catchUp ||
          old.catch_up_limit !== spec.catchUpLimit;
        if (!changed) continue;
        await client.query(REWRITE_SQL, [
          id,
          input.version,
          spec.cron,
          spec.timezone,
          spec.catchUp,
          spec.catchUpLimit,
          timing ? spec.nextRunAt : old.next_run_at,
          input.now,
        ]);
      }
      if (existing.size > 0) {
        await client.query('DELETE FROM schedules WHERE id = ANY($1::text[])', [
          [...existing.keys()],
        ]);
      }
      const after = await client.query<ScheduleRow>(OF_WORKFLOW_SQL, [input.workflowId]);
      return after.rows.map(toRecord);
    });
  }

  async list(workflowId?: string): Promise<ScheduleRecord[]> {
    const { rows } =
      workflowId === undefined
        ? await this.#pool.query<ScheduleRow>('SELECT * FROM schedules ORDER BY next_run_at, id')
        : await this.#pool.query<ScheduleRow>(OF_WORKFLOW_SQL, [workflowId]);
    return rows.map(toRecord);
  }

  async claim(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ScheduleRecord[]> {
    if (input.limit <= 0) return [];
    const { rows } = await this.#pool.query<ScheduleRow>({
      name: 'fs_claim_schedules',
      text: CLAIM_SQL,
      values: [input.now, input.limit, input.owner, input.now + input.leaseMs],
    });
    // RETURNING gives no order: earliest first, as the claim chose them.
    rows.sort((a, b) => a.next_run_at - b.next_run_at || (a.id < b.id ? -1 : 1));
    return rows.map(toRecord);
  }

  async advance(
    input: ScheduleFence & { nextRunAt: number; now: number; release?: boolean },
  ): Promise<boolean> {
    const result = await retrying(() =>
      this.#pool.query(ADVANCE_SQL, [
        input.scheduleId,
        input.owner,
        input.expectVersion,
        input.expectNextRunAt,
        input.nextRunAt,
        input.release ?? true,
        input.now,
      ]),
    );
    return (result.rowCount ?? 0) > 0;
  }

  async release(owner: string): Promise<void> {
    await retrying(() =>
      this.#pool.query(
        'UPDATE schedules SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1',
        [owner],
      ),
    );
  }

  async nextDue(): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ at: number | null }>(NEXT_DUE_SQL);
    return rows[0]?.at ?? undefined;
  }
}
