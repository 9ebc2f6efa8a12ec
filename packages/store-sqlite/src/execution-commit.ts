import type { Database, Statement } from 'better-sqlite3';
import { FlowstateError, serializeError } from '@flowstate/core';
import {
  StoreCommitError,
  countByStatus,
  decodeCompactJournal,
  encodeCompactJournal,
  isCompactable,
  type CommitFailure,
  type CommitOutcome,
  type ExecutionChange,
} from '@flowstate/engine';
import { FINAL_STEP_SQL } from './migrations.js';
import type { PayloadCodec } from './payload-codec.js';
import type { ScheduleRepository } from './schedule-repository.js';
import { executionParams, stepParams, type ExecutionRow, type StepRow } from './rows.js';

type NewExecutionRow = Omit<ExecutionRow, 'seq'> & { dedupe_key: string | null };

type CompactExecutionRow = NewExecutionRow & {
  steps_json: string | null;
  steps_summary: string;
};

/** Raised inside a change's savepoint to roll it back with a regular outcome. */
class Rejected extends Error {
  constructor(readonly outcome: CommitOutcome) {
    super(outcome.status);
  }
}

const STEP_SET = `node_id = @node_id, status = @status, attempt = @attempt, run_at = @run_at,
  lease_owner = @lease_owner, lease_expires_at = @lease_expires_at, input = @input, output = @output,
  port = @port, error = @error, state = @state, started_at = @started_at,
  finished_at = @finished_at, duration_ms = @duration_ms`;

/**
 * Applies batches of `ExecutionChange`s: one IMMEDIATE transaction per batch (one fsync),
 * one savepoint per change so a conflicting, fenced or failing change leaves no trace while
 * the others commit.
 */
export class ExecutionCommitter {
  readonly #codec: PayloadCodec;
  readonly #insertExecution: Statement<[NewExecutionRow]>;
  readonly #updateExecution: Statement<
    [Omit<ExecutionRow, 'seq'> & { expect_seq: number }],
    { seq: number }
  >;
  readonly #upsertStep: Statement<[StepRow]>;
  readonly #fencedStep: Statement<[StepRow & { expect_owner: string }]>;
  readonly #addWait: Statement<[string, string, string, string, number, string | null]>;
  readonly #dedupeOwner: Statement<[string], string>;
  readonly #schedules: ScheduleRepository;
  readonly #removeWaits: Statement<[string, string]>;
  readonly #currentSeq: Statement<[string], number>;
  readonly #insertCompact: Statement<[CompactExecutionRow]>;
  readonly #compactSteps: Statement<[string], string | null>;
  readonly #clearCompact: Statement<[string]>;
  readonly #currentInput: Statement<[string], string | null>;
  readonly #holdsLease: Statement<[string, string, string], number>;
  readonly #fastBatch: (changes: readonly ExecutionChange[]) => CommitOutcome[];
  readonly #safeBatch: (changes: readonly ExecutionChange[]) => (CommitOutcome | CommitFailure)[];

  constructor(db: Database, codec: PayloadCodec, schedules: ScheduleRepository) {
    this.#codec = codec;
    this.#insertExecution = db.prepare(`INSERT INTO executions (id, workflow_id, workflow_version,
      status, seq, trigger_node_id, trigger_type, input, output, error, response,
      parent_execution_id, parent_step_key, depth, rerun_of, simulate, deadline_at, created_at, updated_at, finished_at,
      dedupe_key)
      VALUES (@id, @workflow_id, @workflow_version, @status, 1, @trigger_node_id, @trigger_type,
      @input, @output,
      @error, @response, @parent_execution_id, @parent_step_key, @depth, @rerun_of, @simulate, @deadline_at, @created_at,
      @updated_at, @finished_at, @dedupe_key)
      ON CONFLICT (id) DO NOTHING`);
    this.#updateExecution = db.prepare(`UPDATE executions SET seq = seq + 1,
      workflow_id = @workflow_id, workflow_version = @workflow_version, status = @status,
      trigger_node_id = @trigger_node_id, trigger_type = @trigger_type, input = @input, output = @output, error = @error,
      response = @response, parent_execution_id = @parent_execution_id,
      parent_step_key = @parent_step_key, depth = @depth, rerun_of = @rerun_of, simulate = @simulate, deadline_at = @deadline_at,
      created_at = @created_at, updated_at = @updated_at, finished_at = @finished_at
      WHERE id = @id AND seq = @expect_seq RETURNING seq`);
    this.#upsertStep = db.prepare(`INSERT INTO steps (execution_id, key, node_id, status, attempt,
      run_at, lease_owner, lease_expires_at, input, output, port, error, state, started_at,
      finished_at, duration_ms)
      VALUES (@execution_id, @key, @node_id, @status, @attempt, @run_at, @lease_owner,
      @lease_expires_at, @input, @output, @port, @error, @state, @started_at, @finished_at,
      @duration_ms)
      ON CONFLICT (execution_id, key) DO UPDATE SET ${STEP_SET}`);
    this.#fencedStep = db.prepare(`UPDATE steps SET ${STEP_SET}
      WHERE execution_id = @execution_id AND key = @key AND lease_owner = @expect_owner
      AND status NOT IN ${FINAL_STEP_SQL}`);
    this.#addWait = db.prepare(`INSERT INTO waits (execution_id, step_key, event_name,
      correlation_key, created_at, info) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (execution_id, step_key, event_name, correlation_key)
      DO UPDATE SET created_at = excluded.created_at, info = excluded.info`);
    this.#dedupeOwner = db
      .prepare<[string], string>('SELECT id FROM executions WHERE dedupe_key = ?')
      .pluck();
    this.#schedules = schedules;
    this.#removeWaits = db.prepare('DELETE FROM waits WHERE execution_id = ? AND step_key = ?');

    this.#insertCompact = db.prepare(`INSERT INTO executions (id, workflow_id, workflow_version,
      status, seq, trigger_node_id, trigger_type, input, output, error, response,
      parent_execution_id, parent_step_key, depth, rerun_of, simulate, deadline_at, created_at, updated_at, finished_at,
      steps_json, steps_summary, dedupe_key)
      VALUES (@id, @workflow_id, @workflow_version, @status, 1, @trigger_node_id, @trigger_type,
      @input, @output,
      @error, @response, @parent_execution_id, @parent_step_key, @depth, @rerun_of, @simulate, @deadline_at, @created_at,
      @updated_at, @finished_at, @steps_json, @steps_summary, @dedupe_key)
      ON CONFLICT (id) DO NOTHING`);
    this.#compactSteps = db
      .prepare<[string], string | null>('SELECT steps_json FROM executions WHERE id = ?')
      .pluck();
    this.#clearCompact = db.prepare(
      'UPDATE executions SET steps_json = NULL, steps_summary = NULL WHERE id = ?',
    );
    this.#currentInput = db
      .prepare<[string], string | null>('SELECT input FROM executions WHERE id = ?')
      .pluck();
    this.#currentSeq = db
      .prepare<[string], number>('SELECT seq FROM executions WHERE id = ?')
      .pluck();
    this.#holdsLease = db
      .prepare<[string, string, string], number>(
        `SELECT 1 FROM steps WHERE execution_id = ? AND key = ?
      AND lease_owner = ? AND status NOT IN ${FINAL_STEP_SQL}`,
      )
      .pluck();

    // Fast path: every change is checked (seq, fences) before it writes anything, so no
    // savepoint is needed; only an unexpected error sends the batch down the safe path.
    this.#fastBatch = db.transaction((changes: readonly ExecutionChange[]) =>
      changes.map((change): CommitOutcome => this.#reject(change) ?? this.#apply(change)),
    ).immediate;
    const applyOne = db.transaction((change: ExecutionChange) => this.#apply(change));
    this.#safeBatch = db.transaction((changes: readonly ExecutionChange[]) =>
      changes.map((change): CommitOutcome | CommitFailure => {
        try {
          return applyOne(change);
        } catch (error) {
          if (error instanceof Rejected) return error.outcome;
          // SQLite aborted the whole transaction (disk full, I/O): nothing of the batch holds.
          if (!db.inTransaction) throw error;
          return { status: 'error', error: serializeError(error) };
        }
      }),
    ).immediate;
  }

  /** Commits `changes`; see `Store.commit`. Throws `StoreCommitError` if any change failed. */
  commit(changes: readonly ExecutionChange[]): CommitOutcome[] {
    if (changes.length === 0) return [];
    let outcomes: (CommitOutcome | CommitFailure)[];
    try {
      outcomes = this.#fastBatch(changes);
    } catch {
      // Rolled back as a whole; redo it with one savepoint per change to isolate the failure.
      outcomes = this.#safeBatch(changes);
    }
    const firstError = outcomes.find((o) => o.status === 'error');
    if (firstError !== undefined) throw new StoreCommitError(outcomes, firstError.error);
    return outcomes as CommitOutcome[];
  }

  /** The outcome refusing `change` (stale seq, lost lease), or undefined when it may apply. */
  #reject(change: ExecutionChange): CommitOutcome | undefined {
    const refused = this.#refuseStart(change);
    if (refused !== undefined) return refused;
    // A new execution needs no read: its insert finds a taken id itself (the batch then
    // takes the safe path, where that change alone is refused).
    if (change.expectSeq === 'new' && change.steps.every((w) => w.expectLeaseOwner === undefined)) {
      return undefined;
    }
    const seq = this.#currentSeq.get(change.execution.id);
    if (change.expectSeq === 'new' ? seq !== undefined : seq !== change.expectSeq)
      return { status: 'conflict' };
    for (const { step, expectLeaseOwner } of change.steps) {
      if (
        expectLeaseOwner !== undefined &&
        this.#holdsLease.get(step.executionId, step.key, expectLeaseOwner) === undefined
      ) {
        return { status: 'fenced', stepKey: step.key };
      }
    }
    return undefined;
  }

  /** The outcome refusing a new execution: its dedupe key is taken or its schedule changed. */
  #refuseStart(change: ExecutionChange): CommitOutcome | undefined {
    if (change.expectSeq !== 'new') return undefined;
    const tick = change.scheduleTick;
    if (tick !== undefined && !this.#schedules.holds(tick))
      return { status: 'schedule-changed', scheduleId: tick.scheduleId };
    if (change.dedupeKey !== undefined) {
      const executionId = this.#dedupeOwner.get(change.dedupeKey);
      if (executionId !== undefined) return { status: 'duplicate', executionId };
    }
    return undefined;
  }

  /** Turns a compact execution's step journal back into rows before it changes again (retry). */
  #expandCompact(executionId: string): void {
    const text = this.#compactSteps.get(executionId);
    if (text === null || text === undefined) return;
    const input = this.#currentInput.get(executionId);
    const steps = decodeCompactJournal(
      executionId,
      input === null || input === undefined ? undefined : this.#codec.decode(input),
      this.#codec.decode(text),
    );
    for (const step of steps) {
      this.#upsertStep.run(stepParams(step, this.#codec));
    }
    this.#clearCompact.run(executionId);
  }

  /** Writes `change`; throws `Rejected` (safe path) when its seq or a fence does not hold. */
  #apply(change: ExecutionChange): CommitOutcome {
    const { execution } = change;
    const refused = this.#refuseStart(change);
    if (refused !== undefined) throw new Rejected(refused);
    if (change.expectSeq === 'new' && change.scheduleTick !== undefined)
      this.#schedules.applyTick(change.scheduleTick, execution.createdAt);
    const params = {
      ...executionParams(execution, this.#codec),
      dedupe_key: change.expectSeq === 'new' ? (change.dedupeKey ?? null) : null,
    };
    let seq: number;
    if (isCompactable(change)) {
      const steps = change.steps.map((write) => write.step);
      const row = {
        ...params,
        steps_json: this.#codec.encodeText(encodeCompactJournal(execution.input, steps)),
        steps_summary: JSON.stringify(countByStatus(steps)),
      };
      if (this.#insertCompact.run(row).changes === 0) throw new Rejected({ status: 'conflict' });
      return { status: 'ok', seq: 1 };
    }
    if (change.expectSeq === 'new') {
      if (this.#insertExecution.run(params).changes === 0)
        throw new Rejected({ status: 'conflict' });
      seq = 1;
    } else {
      this.#expandCompact(execution.id);
      const { dedupe_key: _new, ...update } = params;
      const row = this.#updateExecution.get({ ...update, expect_seq: change.expectSeq });
      if (row === undefined) throw new Rejected({ status: 'conflict' });
      seq = row.seq;
    }
    for (const write of change.steps) {
      if (write.step.executionId !== execution.id) {
        throw new FlowstateError(
          'STORE_INVALID_CHANGE',
          `Step "${write.step.key}" belongs to execution ${write.step.executionId}, not to ${execution.id} whose change carries it`,
        );
      }
      const row = stepParams(write.step, this.#codec);
      if (write.expectLeaseOwner === undefined) {
        this.#upsertStep.run(row);
      } else if (
        this.#fencedStep.run({ ...row, expect_owner: write.expectLeaseOwner }).changes === 0
      ) {
        throw new Rejected({ status: 'fenced', stepKey: write.step.key });
      }
    }
    for (const ref of change.removeWaits ?? []) this.#removeWaits.run(ref.executionId, ref.key);
    for (const wait of change.addWaits ?? []) {
      this.#addWait.run(
        wait.executionId,
        wait.stepKey,
        wait.eventName,
        wait.correlationKey,
        wait.createdAt,
        wait.info === undefined ? null : JSON.stringify(wait.info),
      );
    }
    return { status: 'ok', seq };
  }
}
