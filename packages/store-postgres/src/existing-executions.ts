import type { CommitOutcome, ExecutionChange, StepRef, WaitRecord } from '@flowstate/engine';
import {
  expandCompactJournals,
  lastWritePerKey,
  upsertSteps,
  validateChange,
  writeWaitLists,
} from './change-writer.js';
import type { Queryable } from './connection.js';
import { FINAL_STEP_SQL } from './migrations.js';
import type { PayloadCodec, PendingBlob } from './payload-codec.js';
import { EXECUTION_WRITE_COLUMNS, executionParams, stepValues, rowsOf, rowsParam } from './rows.js';

/** Locks the executions (in id order, as every commit does) and reads their seq. */
const LOCK_EXECUTIONS = `SELECT id, seq, steps_json IS NOT NULL AS compact FROM executions
  WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/** Locks the fenced steps the expected owners still hold (not final) and names them. */
const LOCK_HELD_STEPS = `SELECT s.execution_id, s.key FROM steps s
  JOIN unnest($1::text[], $2::text[], $3::text[]) AS f(execution_id, key, owner)
    ON f.execution_id = s.execution_id AND f.key = s.key
  WHERE s.lease_owner = f.owner AND s.status NOT IN ${FINAL_STEP_SQL}
  ORDER BY s.execution_id, s.key FOR UPDATE OF s`;

const UPDATE_COLUMNS = [...EXECUTION_WRITE_COLUMNS, ['expect_seq', 'integer'] as const];

/** One statement for every accepted change: each row only where its seq is still expected. */
const UPDATE_EXECUTIONS = `UPDATE executions e SET seq = e.seq + 1, ${EXECUTION_WRITE_COLUMNS.slice(
  1,
)
  .map(([c]) => `${c} = u.${c}`)
  .join(', ')}
  FROM ${rowsOf(UPDATE_COLUMNS)} AS u
  WHERE e.id = u.id AND e.seq = u.expect_seq
  RETURNING e.id, e.seq`;

/**
 * The length of the run of changes from `start` that change existing executions, with
 * distinct ids: they can be checked and written together (see `updateExistingExecutions`).
 */
export function existingExecutionRun(changes: readonly ExecutionChange[], start: number): number {
  const ids = new Set<string>();
  let end = start;
  for (; end < changes.length; end++) {
    const change = changes[end]!;
    if (change.expectSeq === 'new' || ids.has(change.execution.id)) break;
    ids.add(change.execution.id);
  }
  return end - start;
}

/**
 * Checks and writes changes of existing executions (distinct ids) with a few statements for
 * all of them instead of a few each: the execution rows and the fenced step rows are locked
 * and read at once; a change whose seq moved on is a `conflict`, one whose lease was lost is
 * `fenced`, and neither writes anything; the others are written by one update of the
 * executions, one upsert of the steps and one write of the waits. A worker's batch of step
 * results (many executions, one commit) is such a run.
 */
export async function updateExistingExecutions(
  db: Queryable,
  codec: PayloadCodec,
  changes: readonly ExecutionChange[],
): Promise<CommitOutcome[]> {
  for (const change of changes) validateChange(change);
  const locked = await db.query<{ id: string; seq: number; compact: boolean }>({
    name: 'fs_lock_executions',
    text: LOCK_EXECUTIONS,
    values: [changes.map((change) => change.execution.id)],
  });
  const storedSeq = new Map(locked.rows.map((row) => [row.id, Number(row.seq)]));
  const fences = changes.flatMap((change) =>
    change.steps.filter((w) => w.expectLeaseOwner !== undefined),
  );
  const held = new Set<string>();
  if (fences.length > 0) {
    const { rows } = await db.query<{ execution_id: string; key: string }>({
      name: 'fs_lock_held_steps',
      text: LOCK_HELD_STEPS,
      values: [
        fences.map((w) => w.step.executionId),
        fences.map((w) => w.step.key),
        fences.map((w) => w.expectLeaseOwner),
      ],
    });
    for (const row of rows) held.add(JSON.stringify([row.execution_id, row.key]));
  }

  const outcomes: CommitOutcome[] = changes.map((change) => {
    if (storedSeq.get(change.execution.id) !== change.expectSeq) return { status: 'conflict' };
    const lost = change.steps.find(
      (w) =>
        w.expectLeaseOwner !== undefined &&
        !held.has(JSON.stringify([w.step.executionId, w.step.key])),
    );
    return lost === undefined
      ? { status: 'ok', seq: 0 }
      : { status: 'fenced', stepKey: lost.step.key };
  });
  const accepted = changes.filter((_, i) => outcomes[i]!.status === 'ok');
  if (accepted.length === 0) return outcomes;
  const compact = new Set(locked.rows.filter((row) => row.compact).map((row) => row.id));
  await expandCompactJournals(
    db,
    codec,
    accepted.map((change) => change.execution.id).filter((id) => compact.has(id)),
  );

  const blobs: PendingBlob[] = [];
  const executions: unknown[][] = [];
  const steps: unknown[][] = [];
  const removed: StepRef[] = [];
  const added: WaitRecord[] = [];
  for (const change of accepted) {
    const payloads = codec.writer();
    executions.push([...executionParams(change.execution, payloads), change.expectSeq]);
    for (const w of lastWritePerKey(change.steps)) steps.push(stepValues(w.step, payloads));
    blobs.push(...payloads.blobs);
    removed.push(...(change.removeWaits ?? []));
    added.push(...(change.addWaits ?? []));
  }
  const updated = await db.query<{ id: string; seq: number }>({
    name: 'fs_update_executions',
    text: UPDATE_EXECUTIONS,
    values: [rowsParam(executions)],
  });
  const newSeq = new Map(updated.rows.map((row) => [row.id, Number(row.seq)]));
  for (const change of accepted) {
    if (!newSeq.has(change.execution.id)) {
      throw new Error(`execution ${change.execution.id} changed under its lock`);
    }
  }
  // After the executions' write, as for a single change.
  await codec.writeBlobs(db, blobs);
  await upsertSteps(db, steps);
  await writeWaitLists(db, removed, added);
  return outcomes.map((outcome, i) =>
    outcome.status === 'ok'
      ? { status: 'ok', seq: newSeq.get(changes[i]!.execution.id)! }
      : outcome,
  );
}
