import type { CommitOutcome, ExecutionChange, ScheduleTick } from '@flowstate/engine';
import type { Queryable } from './connection.js';

/**
 * Locks the workflow row (shared: edits, deactivation and publishing wait) and then the
 * schedule row of a tick, and says whether the tick's fence holds: the lease owner, version
 * and next run the scheduler saw, with the workflow still active at that version as its
 * published one. The workflow is locked first, as `syncSchedules` does, so the two never
 * deadlock; the locks hold until the commit, so the fence stays true while the tick fires.
 */
const HOLD_TICK = `SELECT
  (SELECT active AND published_version = $3 FROM workflows WHERE id = $5 FOR SHARE) AS runs,
  (SELECT 1 FROM schedules WHERE id = $1 AND lease_owner = $2 AND version = $3
    AND next_run_at = $4 FOR UPDATE) AS fenced`;

/** Moves a held schedule to its next run (and drops the lease when the tick says so). */
const ADVANCE_TICK = `UPDATE schedules SET next_run_at = $2,
  lease_owner = CASE WHEN $3 THEN NULL ELSE lease_owner END,
  lease_expires_at = CASE WHEN $3 THEN NULL ELSE lease_expires_at END,
  updated_at = $4 WHERE id = $1`;

/** Who holds each dedupe key. */
const DEDUPE_OWNERS = `SELECT dedupe_key, id FROM executions WHERE dedupe_key = ANY($1::text[])`;

/**
 * The outcome refusing a change that starts an execution from a schedule tick whose fence no
 * longer holds (`schedule-changed`), or undefined when it may proceed. Must run before the
 * change writes anything, inside the commit's transaction; see `HOLD_TICK`.
 */
export async function holdScheduleTick(
  db: Queryable,
  change: ExecutionChange,
): Promise<CommitOutcome | undefined> {
  const tick = change.scheduleTick;
  if (tick === undefined || change.expectSeq !== 'new') return undefined;
  const { rows } = await db.query<{ runs: boolean | null; fenced: number | null }>({
    name: 'fs_hold_tick',
    text: HOLD_TICK,
    values: [
      tick.scheduleId,
      tick.owner,
      tick.expectVersion,
      tick.expectNextRunAt,
      change.execution.workflowId,
    ],
  });
  const row = rows[0];
  return row?.runs === true && row.fenced !== null
    ? undefined
    : { status: 'schedule-changed', scheduleId: tick.scheduleId };
}

/** Fires a held tick: the schedule moves to its next run in the execution's transaction. */
export async function advanceScheduleTick(
  db: Queryable,
  tick: ScheduleTick,
  now: number,
): Promise<void> {
  await db.query({
    name: 'fs_advance_tick',
    text: ADVANCE_TICK,
    values: [tick.scheduleId, tick.nextRunAt, tick.release, now],
  });
}

/**
 * Why changes creating executions inserted nothing (`ON CONFLICT DO NOTHING` waited for any
 * concurrent insert of the same id or dedupe key to commit): `duplicate` naming the holder of
 * the change's dedupe key, else `conflict` (the id is taken). Like SQLite, a taken dedupe key
 * wins over a taken id.
 */
export async function refusedStarts(
  db: Queryable,
  changes: readonly ExecutionChange[],
): Promise<CommitOutcome[]> {
  const keys = changes.flatMap((c) => (c.dedupeKey === undefined ? [] : [c.dedupeKey]));
  const owners = new Map<string, string>();
  if (keys.length > 0) {
    const { rows } = await db.query<{ dedupe_key: string; id: string }>(DEDUPE_OWNERS, [keys]);
    for (const row of rows) owners.set(row.dedupe_key, row.id);
  }
  return changes.map((change): CommitOutcome => {
    const holder = change.dedupeKey === undefined ? undefined : owners.get(change.dedupeKey);
    return holder === undefined
      ? { status: 'conflict' }
      : { status: 'duplicate', executionId: holder };
  });
}
