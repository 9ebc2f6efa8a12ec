import { NonRetriableError, serializeError, type JsonValue } from '@flowstate/core';
import type { Engine } from './engine.js';
import { uniformStep, type ExecutionRun } from './execution-run.js';
import { exhaustStep, isFinal, reconcile, resumeStep, waitState } from './progress.js';
import { retryPolicy } from './retry.js';
import type { ClaimedStep, ExecutionChange, StepRecord, StepRef } from './store.js';

const POLL_INTERVAL_MS = 1000;
const SWEEP_INTERVAL_MS = 5000;
const CLAIM_BATCH = 200;
/** Claimed steps run at once by default (most are waits ending or short calls). */
export const DEFAULT_CONCURRENCY = 256;
/** A step whose worker died is tried again at least this many times, whatever its policy. */
export const MIN_ATTEMPTS_AFTER_WORKER_LOSS = 3;

/**
 * The background side of a worker: claims steps whose time has come (timers, retries,
 * work of dead workers), renews the leases it holds, and sweeps stuck states. A single
 * timer is armed for the earliest known due time, so waits cost rows, not timers.
 */
export class Workers {
  private stopping = true;
  private polling = false;
  private pollAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private intervals: NodeJS.Timeout[] = [];
  private unsubscribeWake: (() => void) | undefined;
  /** When lease renewals started failing (the store is unreachable), if they are failing. */
  private renewalFailingSince: number | undefined;
  /**
   * True while this worker cannot renew its leases for longer than half a lease: it claims
   * nothing new (other workers may take over its steps) until a renewal succeeds again.
   */
  claimsPaused = false;

  constructor(private readonly engine: Engine) {}

  /** Starts claiming; does nothing in a process that runs no steps (it stays stopped). */
  start(): void {
    if (!this.engine.runsSteps) return;
    this.stopping = false;
    this.intervals = [
      setInterval(() => void this.poll(), this.engine.options.pollIntervalMs ?? POLL_INTERVAL_MS),
      setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(this.engine.leaseMs / 3))),
      setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS),
    ];
    // Another process made steps claimable (PostgreSQL LISTEN/NOTIFY): claim without waiting.
    this.unsubscribeWake = this.engine.store.subscribeWake?.((dueAt) => this.wake(dueAt));
    void this.poll();
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.unsubscribeWake?.();
    this.unsubscribeWake = undefined;
    for (const interval of this.intervals) clearInterval(interval);
    clearTimeout(this.wakeTimer);
    const finished = await Promise.race([
      this.engine.executor.whenIdle().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
    // Steps still running after the grace period are abandoned: aborted, their results
    // dropped, their leases released so another worker (or the next start) runs them again.
    if (!finished) this.engine.abandonRunning('the worker is shutting down');
    await this.engine.committer.idle();
    await this.engine.store.releaseLeases(this.engine.workerId);
  }

  /** Arms the wake timer for steps a commit made due later. */
  noteDue(change: ExecutionChange | undefined): void {
    if (!change || this.stopping) return;
    for (const { step } of change.steps) {
      if (
        (step.status === 'ready' || step.status === 'waiting') &&
        step.runAt !== undefined &&
        !step.leaseOwner
      ) {
        this.wakeNoLaterThan(step.runAt);
      }
    }
  }

  /** Steps became claimable elsewhere: polls now, or arms the timer for their due time. */
  wake(dueAt: number | undefined): void {
    if (this.stopping) return;
    if (dueAt === undefined || dueAt <= this.engine.clock.now()) this.kick();
    else this.wakeNoLaterThan(dueAt);
  }

  /** Polls now (after resume, or when a step became claimable). */
  kick(): void {
    void this.poll();
  }

  private wakeNoLaterThan(at: number): void {
    if (at >= this.wakeAt) return;
    this.wakeAt = at;
    clearTimeout(this.wakeTimer);
    const delay = Math.max(0, at - this.engine.clock.now());
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Number.POSITIVE_INFINITY;
      void this.poll();
    }, delay);
  }

  /** Claims and starts due steps until none is left or this worker is full. */
  async poll(): Promise<void> {
    if (this.stopping || this.claimsPaused) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    const engine = this.engine;
    const concurrency = engine.options.concurrency ?? DEFAULT_CONCURRENCY;
    try {
      do {
        this.pollAgain = false;
        for (;;) {
          const capacity = Math.min(CLAIM_BATCH, concurrency - engine.executor.inFlight);
          if (capacity <= 0 || this.stopping) break;
          const claimed = await engine.store.claimSteps({
            owner: engine.workerId,
            now: engine.clock.now(),
            leaseMs: engine.leaseMs,
            limit: capacity,
          });
          // Handled together so that their commits share one transaction (group commit).
          await Promise.all(claimed.map((claim) => this.handleClaim(claim)));
          if (claimed.length < capacity) break;
        }
      } while (this.pollAgain && !this.stopping);
      const next = await engine.store.nextDueAt();
      if (next !== undefined) this.wakeNoLaterThan(next);
    } catch (error) {
      engine.logger.error({ err: error }, 'claiming steps failed');
    } finally {
      this.polling = false;
    }
  }

  private async handleClaim({ step, previousStatus }: ClaimedStep): Promise<void> {
    const engine = this.engine;
    const run = await engine.runOf(step.executionId);
    if (!run || run.running.has(step.key)) return;
    // Finished in memory, its result not committed yet (a commit slower than the lease): the
    // row lags memory, and running the step again would repeat its side effect.
    const current = run.steps.get(step.key);
    if (current !== undefined && isFinal(current)) return;
    // Only a timer is claimed waiting. A loop step written with a due time (before loops
    // cleared it) is not one: its state in memory may be ahead of the row, so it is kept.
    const timer = previousStatus === 'waiting' ? timerOf(step) : undefined;
    if (previousStatus === 'waiting' && timer === undefined) return;
    run.steps.set(step.key, uniformStep(step));
    run.persisted.add(step.key);
    run.noteLease(step, engine.workerId);
    const decide = engine.decide();
    if (timer !== undefined) {
      // Resumed in memory: the steps it makes ready run at once and the resume is committed
      // with them (a side-effecting one commits it first, before its effect), one commit
      // instead of two for a timer followed by pure steps. Until then the claim's lease holds
      // the waiting step: after a crash it is claimed and resumed again.
      const ready = resumeStep(run, step.key, timer, decide);
      for (const key of ready) engine.executor.schedule(run, key);
      await engine.settle(run);
      return;
    }
    if (previousStatus === 'running') {
      run.cautious = true;
      const node = run.graph.node(step.nodeId);
      const policy = retryPolicy(node!, node && engine.registry.get(node.type));
      const allowed = Math.max(policy.maxAttempts, MIN_ATTEMPTS_AFTER_WORKER_LOSS);
      if (step.attempt > allowed) {
        const error = serializeError(
          new NonRetriableError(
            `The worker running step "${step.key}" stopped during each of its ${allowed} attempts (crash or lost lease); giving up`,
            { code: 'WORKER_LOST' },
          ),
        );
        exhaustStep(run, step.key, error, decide);
        await engine.settle(run);
        if (run.dirty) await engine.flush(run);
        return;
      }
    }
    engine.executor.schedule(run, step.key);
  }

  /**
   * Extends the leases of every live step this worker holds. A run that lost a lease (it
   * expired while this process stalled and another worker claimed the step, or the step was
   * made final elsewhere) is evicted: its attempts are aborted and its results would be
   * fenced anyway, and it stops being renewed.
   */
  private async heartbeat(): Promise<void> {
    const engine = this.engine;
    const refs: StepRef[] = [];
    /** The runs renewed, with their seq when asked: a commit since then moved their leases. */
    const renewed = new Map<ExecutionRun, number | 'new'>();
    for (const run of engine.runs.values()) {
      // A run being committed has fresh leases, and its bookkeeping lags the rows until then.
      if (run.committing || run.leasedOnDisk.size === 0) continue;
      renewed.set(run, run.expectSeq);
      for (const key of run.leasedOnDisk) refs.push({ executionId: run.id, key });
    }
    if (refs.length === 0) {
      // Paused with no lease left to renew: a cheap read tells when the store is back.
      if (this.claimsPaused) {
        await engine.store.nextDueAt().then(
          () => this.renewed(),
          () => undefined,
        );
      }
      return;
    }
    const leaseExpiresAt = engine.clock.now() + engine.leaseMs;
    let held: StepRef[];
    try {
      held = await engine.store.renewLeases({
        owner: engine.workerId,
        steps: refs,
        leaseExpiresAt,
      });
      this.renewed();
    } catch (error) {
      engine.logger.error({ err: error }, 'renewing leases failed');
      this.renewalFailed();
      return;
    }
    if (held.length === refs.length) return;
    const stillHeld = new Set(held.map((ref) => `${ref.executionId}\0${ref.key}`));
    for (const [run, seq] of renewed) {
      if (run.evicted || run.committing || run.expectSeq !== seq) continue;
      const lost = [...run.leasedOnDisk].filter((key) => !stillHeld.has(`${run.id}\0${key}`));
      if (lost.length === 0) continue;
      engine.logger.warn(
        { executionId: run.id, steps: lost },
        'step leases were lost (another worker or operation took the steps): dropping the execution from this worker',
      );
      engine.evict(run, 'lease lost');
    }
  }

  private renewalFailed(): void {
    const now = this.engine.clock.now();
    this.renewalFailingSince ??= now;
    if (!this.claimsPaused && now - this.renewalFailingSince >= this.engine.leaseMs / 2) {
      this.claimsPaused = true;
      this.engine.logger.warn(
        { failingForMs: now - this.renewalFailingSince, leaseMs: this.engine.leaseMs },
        'leases cannot be renewed: claiming paused until the store answers again',
      );
    }
  }

  private renewed(): void {
    this.renewalFailingSince = undefined;
    if (!this.claimsPaused) return;
    this.claimsPaused = false;
    this.engine.logger.info({}, 'leases renewed again: claiming resumed');
    this.kick();
  }

  /**
   * Resolves stuck states: finished children with a waiting parent, executions left
   * unfinished, children still running after their caller was cancelled or failed.
   */
  async sweep(): Promise<void> {
    const engine = this.engine;
    try {
      const stuck = await engine.store.findStuck({ limit: 100, now: engine.clock.now() });
      const { orphanedChildren, unfinished, abandonedChildren, overdue } = stuck;
      for (const execution of overdue) await engine.timeOut(execution.id);
      for (const child of orphanedChildren) await engine.subWorkflows.completeParent(child);
      for (const child of abandonedChildren) await engine.subWorkflows.cancelAbandoned(child);
      for (const execution of unfinished) {
        if (engine.runs.has(execution.id)) continue;
        const run = await engine.runOf(execution.id);
        if (!run) continue;
        const ready = reconcile(run, engine.decide());
        for (const key of ready) engine.executor.schedule(run, key);
        await engine.settle(run);
      }
    } catch (error) {
      engine.logger.error({ err: error }, 'sweeping stuck executions failed');
    }
  }
}

/** What a waiting step resumes with when its time is up, if it is a timer. */
function timerOf(step: StepRecord): { port: string; value: JsonValue } | undefined {
  const state = waitState(step);
  return state?.kind === 'suspend' ? state.options.onTimeout : undefined;
}
