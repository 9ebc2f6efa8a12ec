import {
  countByStatus,
  encodeCompactJournal,
  isCompactable,
  type CommitOutcome,
  type ExecutionChange,
} from '@flowstate/engine';
import { lastWritePerKey, upsertSteps, validateChange, writeWaits } from './change-writer.js';
import type { Queryable } from './connection.js';
import { refusedStarts } from './execution-start.js';
import type { PayloadCodec, PendingBlob } from './payload-codec.js';
import { notifyCalls } from './wake.js';
import {
  EXECUTION_WRITE_COLUMNS,
  executionParams,
  namesOf,
  STEP_WRITE_COLUMNS,
  stepValues,
  rowsOf,
  rowsParam,
} from './rows.js';

/**
 * Rows are inserted in array order; without a conflict target, a row whose id or dedupe key
 * is taken (also by an earlier row of the same statement) is skipped.
 */
const NEW_EXECUTION_COLUMNS = [
  ...EXECUTION_WRITE_COLUMNS,
  ['dedupe_key', 'text'],
  ['steps_json', 'text'],
  ['steps_summary', 'text'],
] as const;

const INSERT_EXECUTIONS = `INSERT INTO executions (${namesOf(NEW_EXECUTION_COLUMNS)}, seq)
  SELECT *, 1 FROM ${rowsOf(NEW_EXECUTION_COLUMNS)} AS u
  ON CONFLICT DO NOTHING RETURNING id`;

/**
 * The compact journal and step summary of a change that creates an execution already
 * finished (see migrations-compact.ts), or undefined when its steps are written as rows: the
 * change is not compactable, or its journal is too large for a column without a blob.
 */
function compactColumns(
  codec: PayloadCodec,
  change: ExecutionChange,
): [json: string, summary: string] | undefined {
  if (!isCompactable(change)) return undefined;
  const steps = lastWritePerKey(change.steps).map((write) => write.step);
  const json = encodeCompactJournal(change.execution.input, steps);
  return codec.fitsInline(json) ? [json, JSON.stringify(countByStatus(steps))] : undefined;
}

/**
 * `INSERT_EXECUTIONS` and the steps of the inserted executions as one statement, with
 * `notifications` `pg_notify` calls (their channel and payload follow the two row
 * parameters). One statement runs as its own transaction: a batch of starts costs one round
 * trip, where BEGIN, the inserts, the notifications and COMMIT cost five.
 */
function startStatement(notifications: number): string {
  const notify = notifyCalls(notifications, 3)
    .map((call) => `, (SELECT ${call} WHERE EXISTS (SELECT 1 FROM inserted))`)
    .join('');
  return `WITH inserted AS (${INSERT_EXECUTIONS}),
  written AS (INSERT INTO steps (${namesOf(STEP_WRITE_COLUMNS)})
    SELECT * FROM ${rowsOf(STEP_WRITE_COLUMNS, 2)} AS s
    WHERE s.execution_id IN (SELECT id FROM inserted))
  SELECT array(SELECT id FROM inserted) AS ids${notify}`;
}

/** Whether `changes` can be written by `startInOneStatement`: plain starts without waits. */
export function isPlainStartBatch(changes: readonly ExecutionChange[]): boolean {
  return (
    newExecutionRun(changes, 0) === changes.length &&
    changes.every((c) => (c.addWaits?.length ?? 0) === 0 && (c.removeWaits?.length ?? 0) === 0)
  );
}

/**
 * Writes a plain start batch (see `isPlainStartBatch`) with one statement outside any
 * transaction, or returns undefined (having written nothing) when a payload needs a blob,
 * which takes more statements. `notifications` are channel/payload pairs sent if the
 * statement inserted something; they may also name executions of the batch that turn out to
 * be refused, which only makes their listeners look again.
 */
export async function startInOneStatement(
  db: Queryable,
  codec: PayloadCodec,
  changes: readonly ExecutionChange[],
  notifications: readonly string[],
): Promise<CommitOutcome[] | undefined> {
  for (const change of changes) validateChange(change);
  const executions: unknown[][] = [];
  const steps: unknown[][] = [];
  for (const change of changes) {
    const payloads = codec.writer();
    const compact = compactColumns(codec, change);
    executions.push([
      ...executionParams(change.execution, payloads),
      change.dedupeKey ?? null,
      ...(compact ?? [null, null]),
    ]);
    if (compact === undefined) {
      for (const write of lastWritePerKey(change.steps)) {
        steps.push(stepValues(write.step, payloads));
      }
    }
    if (payloads.blobs.length > 0) return undefined;
  }
  const pairs = notifications.length / 2;
  const { rows } = await db.query<{ ids: string[] }>({
    name: `fs_start_statement_${pairs}`,
    text: startStatement(pairs),
    values: [rowsParam(executions), rowsParam(steps), ...notifications],
  });
  const inserted = new Set(rows[0]?.ids ?? []);
  const refused = await refusedStarts(
    db,
    changes.filter((change) => !inserted.has(change.execution.id)),
  );
  return changes.map((change) =>
    inserted.has(change.execution.id) ? { status: 'ok', seq: 1 } : refused.shift()!,
  );
}

/**
 * The length of the run of changes from `start` that create executions without fences or
 * schedule ticks, with distinct ids: they can be inserted together (see `insertNewExecutions`).
 */
export function newExecutionRun(changes: readonly ExecutionChange[], start: number): number {
  const ids = new Set<string>();
  let end = start;
  for (; end < changes.length; end++) {
    const change = changes[end]!;
    if (change.expectSeq !== 'new' || ids.has(change.execution.id)) break;
    if (change.scheduleTick !== undefined) break;
    if (change.steps.some((w) => w.expectLeaseOwner !== undefined)) break;
    ids.add(change.execution.id);
  }
  return end - start;
}

/**
 * Writes changes that each create an execution (no fences, distinct ids) with a few
 * statements for all of them instead of a few each: one multi-row insert of the executions
 * (`ON CONFLICT DO NOTHING`: an id already taken is a `conflict` and writes nothing else),
 * then the blobs, steps and waits of the inserted ones. The webhook hot path: every request
 * whose first commit finishes its execution is such a change.
 */
export async function insertNewExecutions(
  db: Queryable,
  codec: PayloadCodec,
  changes: readonly ExecutionChange[],
): Promise<CommitOutcome[]> {
  for (const change of changes) validateChange(change);
  const encoded = changes.map((change) => {
    const payloads = codec.writer();
    const execution = [
      ...executionParams(change.execution, payloads),
      change.dedupeKey ?? null,
      null, // steps as rows (compact only in startInOneStatement)
      null,
    ];
    const steps = lastWritePerKey(change.steps).map((w) => stepValues(w.step, payloads));
    return { change, execution, steps, blobs: payloads.blobs };
  });
  const { rows } = await db.query<{ id: string }>({
    name: 'fs_insert_executions',
    text: INSERT_EXECUTIONS,
    values: [rowsParam(encoded.map((e) => e.execution))],
  });
  const inserted = new Set(rows.map((row) => row.id));
  const accepted = encoded.filter((e) => inserted.has(e.change.execution.id));
  const blobs: PendingBlob[] = accepted.flatMap((e) => e.blobs);
  await codec.writeBlobs(db, blobs);
  const steps = accepted.flatMap((e) => e.steps);
  await upsertSteps(db, steps);
  for (const { change } of accepted) {
    if ((change.addWaits?.length ?? 0) > 0 || (change.removeWaits?.length ?? 0) > 0) {
      await writeWaits(db, change);
    }
  }
  const refused = await refusedStarts(
    db,
    changes.filter((change) => !inserted.has(change.execution.id)),
  );
  return changes.map((change) =>
    inserted.has(change.execution.id) ? { status: 'ok', seq: 1 } : refused.shift()!,
  );
}
