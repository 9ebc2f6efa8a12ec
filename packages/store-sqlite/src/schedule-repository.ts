import type { Database, Statement } from 'better-sqlite3';
import {
  scheduleId,
  type CatchUpPolicy,
  type ScheduleFence,
  type ScheduleRecord,
  type ScheduleSpec,
  type ScheduleTick,
} from '@flowstate/engine';

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

type FenceParams = { id: string; owner: string; version: number; next_run_at: number };

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

function fenceParams(fence: ScheduleFence): FenceParams {
  return {
    id: fence.scheduleId,
    owner: fence.owner,
    version: fence.expectVersion,
    next_run_at: fence.expectNextRunAt,
  };
}

const FENCE = `id = @id AND lease_owner = @owner AND version = @version
  AND next_run_at = @next_run_at`;

/**
 * The `schedules` table: one row per schedule trigger of an active workflow. Claims take a
 * lease; every write by a scheduler is fenced on the lease owner, version and next run it
 * saw, so an edit or a deactivation in between makes it refuse (see `ScheduleStore`).
 */
export class ScheduleRepository {
  readonly #db: Database;
  readonly #ofWorkflow: Statement<[string], ScheduleRow>;
  readonly #all: Statement<[], ScheduleRow>;
  readonly #insert: Statement<[ScheduleRow]>;
  readonly #rewrite: Statement<[ScheduleRow]>;
  readonly #delete: Statement<[string]>;
  readonly #due: Statement<[{ now: number; limit: number }], { id: string }>;
  readonly #lease: Statement<[{ id: string; owner: string; until: number }], ScheduleRow>;
  readonly #holds: Statement<[FenceParams], number>;
  readonly #advance: Statement<[FenceParams & { next: number; release: number; now: number }]>;
  readonly #release: Statement<[string]>;
  readonly #nextDue: Statement<[], { at: number | null }>;

  constructor(db: Database) {
    this.#db = db;
    this.#ofWorkflow = db.prepare(
      'SELECT * FROM schedules WHERE workflow_id = ? ORDER BY next_run_at, id',
    );
    this.#all = db.prepare('SELECT * FROM schedules ORDER BY next_run_at, id');
    this.#insert = db.prepare(`INSERT INTO schedules (id, workflow_id, trigger_node_id, version,
      cron, timezone, catch_up, catch_up_limit, next_run_at, lease_owner, lease_expires_at,
      created_at, updated_at) VALUES (@id, @workflow_id, @trigger_node_id, @version, @cron,
      @timezone, @catch_up, @catch_up_limit, @next_run_at, @lease_owner, @lease_expires_at,
      @created_at, @updated_at)`);
    this.#rewrite = db.prepare(`UPDATE schedules SET version = @version, cron = @cron,
      timezone = @timezone, catch_up = @catch_up, catch_up_limit = @catch_up_limit,
      next_run_at = @next_run_at, lease_owner = NULL, lease_expires_at = NULL,
      updated_at = @updated_at WHERE id = @id`);
    this.#delete = db.prepare('DELETE FROM schedules WHERE id = ?');
    this.#due = db.prepare(`SELECT id FROM schedules
      WHERE next_run_at <= @now AND (lease_owner IS NULL OR lease_expires_at <= @now)
      ORDER BY next_run_at LIMIT @limit`);
    this.#lease = db.prepare(`UPDATE schedules SET lease_owner = @owner,
      lease_expires_at = @until WHERE id = @id RETURNING *`);
    // A tick also needs its workflow active at the schedule's version (the version triggers run).
    this.#holds = db
      .prepare<[FenceParams], number>(
        `SELECT 1 FROM schedules s WHERE ${FENCE} AND EXISTS (SELECT 1 FROM workflows w
        WHERE w.id = s.workflow_id AND w.active = 1 AND w.published_version = s.version)`,
      )
      .pluck();
    this.#advance = db.prepare(`UPDATE schedules SET next_run_at = @next,
      lease_owner = CASE WHEN @release = 1 THEN NULL ELSE lease_owner END,
      lease_expires_at = CASE WHEN @release = 1 THEN NULL ELSE lease_expires_at END,
      updated_at = @now WHERE ${FENCE}`);
    this.#release = db.prepare(
      'UPDATE schedules SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ?',
    );
    this.#nextDue = db.prepare(`SELECT min(CASE WHEN lease_owner IS NULL THEN next_run_at
      ELSE max(next_run_at, lease_expires_at) END) AS at FROM schedules`);
  }

  sync(input: {
    workflowId: string;
    version: number;
    schedules: readonly ScheduleSpec[];
    now: number;
  }): ScheduleRecord[] {
    return this.#db
      .transaction(() => {
        const existing = new Map(this.#ofWorkflow.all(input.workflowId).map((r) => [r.id, r]));
        for (const spec of input.schedules) {
          const id = scheduleId(input.workflowId, spec.triggerNodeId);
          const old = existing.get(id);
          existing.delete(id);
          const row: ScheduleRow = {
            id,
            workflow_id: input.workflowId,
            trigger_node_id: spec.triggerNodeId,
            version: input.version,
            cron: spec.cron,
            timezone: spec.timezone,
            catch_up: spec.catchUp,
            catch_up_limit: spec.catchUpLimit,
            next_run_at: spec.nextRunAt,
            lease_owner: null,
            lease_expires_at: null,
            created_at: input.now,
            updated_at: input.now,
          };
          if (old === undefined) {
            this.#insert.run(row);
            continue;
          }
          const timing = old.cron !== row.cron || old.timezone !== row.timezone;
          const changed =
            timing ||
            old.version !== row.version ||
            old.catch_up !== row.catch_up ||
            old.catch_up_limit !== row.catch_up_limit;
          if (!changed) continue;
          this.#rewrite.run({ ...row, next_run_at: timing ? row.next_run_at : old.next_run_at });
        }
        for (const id of existing.keys()) this.#delete.run(id);
        return this.#ofWorkflow.all(input.workflowId).map(toRecord);
      })
      .immediate();
  }

  list(workflowId?: string): ScheduleRecord[] {
    const rows = workflowId === undefined ? this.#all.all() : this.#ofWorkflow.all(workflowId);
    return rows.map(toRecord);
  }

  claim(input: { owner: string; now: number; leaseMs: number; limit: number }): ScheduleRecord[] {
    return this.#db
      .transaction(() =>
        this.#due
          .all({ now: input.now, limit: input.limit })
          .map(({ id }) =>
            toRecord(
              this.#lease.get({ id, owner: input.owner, until: input.now + input.leaseMs })!,
            ),
          ),
      )
      .immediate();
  }

  advance(input: ScheduleFence & { nextRunAt: number; now: number; release?: boolean }): boolean {
    const release = input.release ?? true;
    return this.#advanceRow(input, { nextRunAt: input.nextRunAt, release, now: input.now });
  }

  /** Whether a tick's fence holds (read inside the commit's transaction). */
  holds(tick: ScheduleTick): boolean {
    return this.#holds.get(fenceParams(tick)) !== undefined;
  }

  /** Applies a tick inside the commit's transaction; false when its fence no longer holds. */
  applyTick(tick: ScheduleTick, now: number): boolean {
    return this.#advanceRow(tick, { nextRunAt: tick.nextRunAt, release: tick.release, now });
  }

  release(owner: string): void {
    this.#release.run(owner);
  }

  nextDue(): number | undefined {
    return this.#nextDue.get()?.at ?? undefined;
  }

  #advanceRow(
    fence: ScheduleFence,
    change: { nextRunAt: number; release: boolean; now: number },
  ): boolean {
    const result = this.#advance.run({
      ...fenceParams(fence),
      next: change.nextRunAt,
      release: change.release ? 1 : 0,
      now: change.now,
    });
    return result.changes > 0;
  }
}
