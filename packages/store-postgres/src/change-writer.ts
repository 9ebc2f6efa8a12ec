import { FlowstateError } from '@flowstate/core';
import {
  decodeCompactJournal,
  type CommitOutcome,
  type ExecutionChange,
  type StepRef,
  type StepWrite,
  type WaitRecord,
} from '@flowstate/engine';
import type { Queryable } from './connection.js';
import { advanceScheduleTick, holdScheduleTick, refusedStarts } from './execution-start.js';
import { FINAL_STEP_SQL } from './migrations.js';
import { decodePayload, type PayloadCodec } from './payload-codec.js';
import {
  EXECUTION_WRITE_COLUMNS,
  executionParams,
  namesOf,
  STEP_WRITE_COLUMNS,
  stepValues,
  rowsOf,
  rowsParam,
} from './rows.js';

const EXECUTION_VALUES = EXECUTION_WRITE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');

/** Without a conflict target: a taken id and a taken dedupe key both insert nothing. */
const INSERT_EXECUTION = `INSERT INTO executions (${namesOf(EXECUTION_WRITE_COLUMNS)},
  dedupe_key, seq) VALUES (${EXECUTION_VALUES}, $${EXECUTION_WRITE_COLUMNS.length + 1}, 1)
  ON CONFLICT DO NOTHING RETURNING seq`;

const UPDATE_EXECUTION = `UPDATE executions SET seq = seq + 1, ${EXECUTION_WRITE_COLUMNS.slice(1)
  .map(([c], i) => `${c} = $${i + 2}`)
  .join(', ')}
  WHERE id = $1 AND seq = $${EXECUTION_WRITE_COLUMNS.length + 1} RETURNING seq`;

/** Inserts or replaces step rows (see `upsertSteps`). */
const UPSERT_STEPS = `INSERT INTO steps (${namesOf(STEP_WRITE_COLUMNS)})
  SELECT * FROM ${rowsOf(STEP_WRITE_COLUMNS)} AS u
  ON CONFLICT (execution_id, key) DO UPDATE SET ${STEP_WRITE_COLUMNS.slice(2)
    .map(([c]) => `${c} = excluded.${c}`)
    .join(', ')}`;

/**
 * Locks the execution row and the fenced step rows of a change (until the transaction ends)
 * and reads what its checks need: the stored seq, and which fenced steps the expected owner
 * still holds (not final). Nothing can change them before the change is written.
 */
const LOCK_AND_CHECK = `SELECT
  (SELECT seq FROM executions WHERE id = $1 FOR UPDATE) AS seq,
  (SELECT steps_json IS NOT NULL FROM executions WHERE id = $1) AS compact,
  ARRAY(SELECT s.key FROM steps s
    JOIN unnest($2::text[], $3::text[]) AS f(key, owner) ON f.key = s.key
    WHERE s.execution_id = $1 AND s.lease_owner = f.owner AND s.status NOT IN ${FINAL_STEP_SQL}
    ORDER BY s.key FOR UPDATE OF s) AS held`;

const REMOVE_WAITS = `DELETE FROM waits WHERE (execution_id, step_key) IN
  (SELECT * FROM unnest($1::text[], $2::text[]))`;

const ADD_WAITS = `INSERT INTO waits (execution_id, step_key, event_name, correlation_key,
  created_at, info)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
  ON CONFLICT (execution_id, step_key, event_name, correlation_key)
  DO UPDATE SET created_at = excluded.created_at, info = excluded.info`;

/** Steps a change writes that other workers may claim (ready or timed, without a lease). */
export function claimableRunAt(change: ExecutionChange): number | undefined {
  let earliest: number | undefined;
  for (const { step } of change.steps) {
    const claimable =
      step.status === 'ready' || (step.status === 'waiting' && step.runAt !== undefined);
    if (claimable && step.leaseOwner === undefined) {
      const at = step.runAt ?? 0;
      if (earliest === undefined || at < earliest) earliest = at;
    }
  }
  return earliest;
}

/** Throws `STORE_INVALID_CHANGE` for a change that writes steps of another execution. */
export function validateChange(change: ExecutionChange): void {
  for (const write of change.steps) {
    if (write.step.executionId !== change.execution.id) {
      throw new FlowstateError(
        'STORE_INVALID_CHANGE',
        `Step "${write.step.key}" belongs to execution ${write.step.executionId}, not to ${change.execution.id} whose change carries it`,
      );
    }
  }
}

/**
 * Checks and writes one `ExecutionChange` inside the caller's transaction. A refused change
 * (stale seq, lost lease) is detected under row locks before anything is written, so it
 * leaves no trace without a savepoint; only an unexpected error can interrupt the writes.
 */
export async function writeChange(
  db: Queryable,
  codec: PayloadCodec,
  change: ExecutionChange,
): Promise<CommitOutcome> {
  validateChange(change);
  const { execution } = change;
  const fenced = change.steps.filter((w) => w.expectLeaseOwner !== undefined);
  if (change.expectSeq !== 'new' || fenced.length > 0) {
    const { refused, compact } = await check(db, change, fenced);
    if (refused !== undefined) return refused;
    if (compact) await expandCompactJournals(db, codec, [execution.id]);
  }
  const tickRefused = await holdScheduleTick(db, change);
  if (tickRefused !== undefined) return tickRefused;
  const payloads = codec.writer();
  const params = executionParams(execution, payloads);
  const steps = lastWritePerKey(change.steps).map((w) => stepValues(w.step, payloads));
  let seq: number;
  if (change.expectSeq === 'new') {
    const inserted = await db.query<{ seq: number }>({
      name: 'fs_insert_execution',
      text: INSERT_EXECUTION,
      values: [...params, change.dedupeKey ?? null],
    });
    // The id or the dedupe key is taken: nothing of this change was written yet.
    if (inserted.rows[0] === undefined) return (await refusedStarts(db, [change]))[0]!;
    if (change.scheduleTick !== undefined) {
      await advanceScheduleTick(db, change.scheduleTick, execution.createdAt);
    }
    seq = 1;
  } else {
    const updated = await db.query<{ seq: number }>({
      name: 'fs_update_execution',
      text: UPDATE_EXECUTION,
      values: [...params, change.expectSeq],
    });
    const row = updated.rows[0];
    if (row === undefined) throw new Error(`execution ${execution.id} changed under its lock`);
    seq = row.seq;
  }
  // After the execution's write, so that a conflicting insert leaves no blob behind.
  await codec.writeBlobs(db, payloads.blobs);
  await upsertSteps(db, steps);
  await writeWaits(db, change);
  return { status: 'ok', seq };
}

async function check(
  db: Queryable,
  change: ExecutionChange,
  fenced: readonly StepWrite[],
): Promise<{ refused?: CommitOutcome; compact: boolean }> {
  const { rows } = await db.query<{ seq: number | null; compact: boolean | null; held: string[] }>({
    name: 'fs_lock_and_check',
    text: LOCK_AND_CHECK,
    values: [
      change.execution.id,
      fenced.map((w) => w.step.key),
      fenced.map((w) => w.expectLeaseOwner),
    ],
  });
  const stored = rows[0]?.seq ?? null;
  if (change.expectSeq === 'new' ? stored !== null : stored !== change.expectSeq) {
    return { refused: { status: 'conflict' }, compact: false };
  }
  const held = new Set(rows[0]?.held ?? []);
  const lost = fenced.find((w) => !held.has(w.step.key));
  const compact = rows[0]?.compact === true;
  return lost === undefined
    ? { compact }
    : { refused: { status: 'fenced', stepKey: lost.step.key }, compact };
}

/** Removes, then adds, the waits of `change`. */
export async function writeWaits(db: Queryable, change: ExecutionChange): Promise<void> {
  await writeWaitLists(db, change.removeWaits ?? [], change.addWaits ?? []);
}

/** Removes the waits of `removed` steps, then adds `added` (the last one per wait key). */
export async function writeWaitLists(
  db: Queryable,
  removed: readonly StepRef[],
  addWaits: readonly WaitRecord[],
): Promise<void> {
  if (removed.length > 0) {
    await db.query(REMOVE_WAITS, [removed.map((r) => r.executionId), removed.map((r) => r.key)]);
  }
  const added = new Map<string, WaitRecord>();
  for (const wait of addWaits) {
    added.set(
      JSON.stringify([wait.executionId, wait.stepKey, wait.eventName, wait.correlationKey]),
      wait,
    );
  }
  if (added.size === 0) return;
  const waits = [...added.values()];
  await db.query(ADD_WAITS, [
    waits.map((w) => w.executionId),
    waits.map((w) => w.stepKey),
    waits.map((w) => w.eventName),
    waits.map((w) => w.correlationKey),
    waits.map((w) => w.createdAt),
    waits.map((w) => (w.info === undefined ? null : JSON.stringify(w.info))),
  ]);
}

/** One write per step key (the last one), so one upsert statement never touches a row twice. */
export function lastWritePerKey(writes: readonly StepWrite[]): StepWrite[] {
  const byKey = new Map<string, StepWrite>();
  for (const write of writes) byKey.set(write.step.key, write);
  return [...byKey.values()];
}

/** Inserts or replaces step rows, given as `stepValues` arrays. */
export async function upsertSteps(db: Queryable, steps: readonly unknown[][]): Promise<void> {
  if (steps.length === 0) return;
  await db.query({ name: 'fs_upsert_steps', text: UPSERT_STEPS, values: [rowsParam(steps)] });
}

const COMPACT_JOURNALS = `SELECT id, payload_text(input) AS input, steps_json FROM executions
  WHERE id = ANY($1::text[]) AND steps_json IS NOT NULL`;

const CLEAR_COMPACT = `UPDATE executions SET steps_json = NULL, steps_summary = NULL
  WHERE id = ANY($1::text[])`;

/**
 * Turns the compact journals of executions `ids` (rows the caller has locked) back into
 * step rows before they change again (a retry, a re-run from a step), so the change's own
 * step writes apply to rows as for any execution. See migrations-compact.ts.
 */
export async function expandCompactJournals(
  db: Queryable,
  codec: PayloadCodec,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await db.query<{ id: string; input: string | null; steps_json: string }>(
    COMPACT_JOURNALS,
    [ids],
  );
  if (rows.length === 0) return;
  const payloads = codec.writer();
  const steps = rows.flatMap((row) =>
    decodeCompactJournal(row.id, decodePayload(row.input), JSON.parse(row.steps_json)).map((step) =>
      stepValues(step, payloads),
    ),
  );
  await codec.writeBlobs(db, payloads.blobs);
  await upsertSteps(db, steps);
  await db.query(CLEAR_COMPACT, [rows.map((row) => row.id)]);
}
