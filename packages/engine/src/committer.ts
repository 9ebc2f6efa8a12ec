import type { ExecutionRun } from './execution-run.js';
import { isFinal } from './progress.js';
import type { CommitOutcome, ExecutionChange, Store, StepWrite } from './store.js';

/** Result of flushing one run. */
export type FlushResult = CommitOutcome;

/**
 * Group commit: every run that asks to be flushed during one turn of the event loop is
 * written by a single `store.commit()` call, i.e. one transaction and one fsync for many
 * executions. One batch is in flight at a time: while it is being made durable, the runs that
 * ask to be flushed gather for the next one, written as soon as the first is on disk. (Writing
 * the next batch during the previous one's fsync made smaller transactions whose requests
 * still waited for the same fsyncs: W1 on SQLite went from 2,745-2,856 req/s with two batches
 * in flight to 3,268-3,750 with one.) A run that asks again while its batch is in flight goes
 * into the next one, after its seq has moved on.
 */
export class GroupCommitter {
  private pending = new Map<ExecutionRun, Array<(outcome: FlushResult) => void>>();
  private scheduled = false;
  private batchInFlight = false;
  /** Resolves when the committer is idle. */
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly workerId: string,
    private readonly onCommitted: (
      run: ExecutionRun,
      outcome: FlushResult,
      change: ExecutionChange | undefined,
    ) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for `run`'s pending changes to be committed; resolves with the outcome. */
  flush(run: ExecutionRun): Promise<FlushResult> {
    return new Promise((resolve) => {
      const waiters = this.pending.get(run);
      if (waiters) waiters.push(resolve);
      else this.pending.set(run, [resolve]);
      this.schedule();
    });
  }

  /** Like `flush`, for callers that do not wait for the outcome. */
  request(run: ExecutionRun): void {
    if (!this.pending.has(run)) this.pending.set(run, []);
    this.schedule();
  }

  /** Resolves once nothing is pending or in flight. */
  idle(): Promise<void> {
    if (!this.batchInFlight && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.batchInFlight) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  /** Starts a batch of every pending run, unless a batch is in flight. */
  private drain(): void {
    this.scheduled = false;
    if (this.batchInFlight) return;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) {
      this.settleIdle();
      return;
    }
    this.batchInFlight = true;
    void this.commitBatch(batch).finally(() => {
      this.batchInFlight = false;
      if (this.pending.size > 0) this.schedule();
      else this.settleIdle();
    });
  }

  private settleIdle(): void {
    if (this.batchInFlight || this.pending.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async commitBatch(
    batch: Map<ExecutionRun, Array<(outcome: FlushResult) => void>>,
  ): Promise<void> {
    const runs: ExecutionRun[] = [];
    const changes: ExecutionChange[] = [];
    for (const run of batch.keys()) {
      if (!run.dirty) continue;
      runs.push(run);
      changes.push(this.changeOf(run));
    }
    let outcomes: Array<CommitOutcome | { status: 'error' }>;
    for (const run of runs) run.committing = true;
    try {
      outcomes = changes.length > 0 ? await this.store.commit(changes) : [];
    } catch (error) {
      const partial = partialOutcomes(error, changes.length);
      if (!partial) {
        // The store failed as a whole (disk full, connection lost): nothing was written. The
        // runs are dropped from memory; their work is claimed again from the store later.
        for (const run of runs) run.committing = false;
        for (const [index, run] of runs.entries())
          this.onCommitted(run, { status: 'conflict' }, changes[index]);
        for (const waiters of batch.values())
          for (const resolve of waiters) resolve({ status: 'conflict' });
        this.onError(error);
        return;
      }
      // Some changes were refused for a reason other than concurrency (bad data): the others
      // were committed. The refused runs are dropped as if they had conflicted.
      for (const run of runs) run.committing = false;
      this.onError(error);
      outcomes = partial;
    }
    for (const run of runs) run.committing = false;
    const byRun = new Map<ExecutionRun, FlushResult>();
    for (const [index, run] of runs.entries()) {
      const result = outcomes[index]!;
      const outcome: FlushResult = result.status === 'error' ? { status: 'conflict' } : result;
      if (outcome.status === 'ok') run.committed(outcome.seq, changes[index]!, this.workerId);
      byRun.set(run, outcome);
      this.onCommitted(run, outcome, changes[index]);
    }
    for (const [run, waiters] of batch) {
      const outcome =
        byRun.get(run) ??
        (run.expectSeq === 'new'
          ? { status: 'conflict' as const }
          : { status: 'ok' as const, seq: run.expectSeq });
      for (const resolve of waiters) resolve(outcome);
    }
  }

  private changeOf(run: ExecutionRun): ExecutionChange {
    const { steps, addWaits, removeWaits } = run.takeChanges();
    const writes: StepWrite[] = steps.map((step) => {
      // A final step holds no lease: the row leaves the lease index once it is done.
      const written =
        isFinal(step) && step.leaseOwner !== undefined
          ? { ...step, leaseOwner: undefined, leaseExpiresAt: undefined }
          : step;
      return run.leasedOnDisk.has(step.key)
        ? { step: written, expectLeaseOwner: this.workerId }
        : { step: written };
    });
    const start = run.expectSeq === 'new' ? run.start : undefined;
    return {
      expectSeq: run.expectSeq,
      execution: { ...run.execution },
      steps: writes,
      ...(addWaits.length > 0 ? { addWaits } : {}),
      ...(removeWaits.length > 0 ? { removeWaits } : {}),
      ...(start?.dedupeKey === undefined ? {} : { dedupeKey: start.dedupeKey }),
      ...(start?.scheduleTick === undefined ? {} : { scheduleTick: start.scheduleTick }),
    };
  }
}

/** Per-change outcomes carried by a store error that committed part of a batch. */
function partialOutcomes(
  error: unknown,
  length: number,
): Array<CommitOutcome | { status: 'error' }> | undefined {
  const outcomes = (error as { outcomes?: unknown } | null)?.outcomes;
  if (!Array.isArray(outcomes) || outcomes.length !== length) return undefined;
  return outcomes as Array<CommitOutcome | { status: 'error' }>;
}
