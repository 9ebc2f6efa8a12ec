import './linear-regexp.js';
import { randomUUID } from 'node:crypto';
import { FlowstateError, type JsonValue, type NodeRegistry } from '@flowstate/core';
import type {
  Clock,
  EngineEvent,
  EngineLogger,
  EngineOptions,
  ExecutionDetail,
  FailpointName,
  IdSource,
  StartExecutionOptions,
} from './api.js';
import { GroupCommitter, type FlushResult } from './committer.js';
import { ExecutionRun } from './execution-run.js';
import { uuidv7 } from './ids.js';
import { finishIfDone, type Decide } from './progress.js';
import { StepExecutor } from './step-executor.js';
import type { ExecutionChange, ExecutionRecord, StepRef, Store } from './store.js';
import { Workers } from './workers.js';
import { WorkflowCache } from './workflow-cache.js';
import { DeadlineTimers } from './deadline-timers.js';
import { Operations } from './operations.js';
import { SubWorkflows } from './sub-workflows.js';
import { Redactor } from './redaction.js';
import { buildRerunFrom, type RerunFromOptions } from './rerun-from.js';
import { isFinal, OutcomeWaiters, settledOutcome, type ExecutionOutcome } from './outcomes.js';

export type { ExecutionOutcome };

/** A started execution: its id (already on disk) and how it will end. */
export interface ExecutionHandle {
  executionId: string;
  /** Resolves after the journal is committed: a `webhook.respond` response or the end. */
  outcome: Promise<ExecutionOutcome>;
  /** Like `outcome`, but `undefined` after `timeoutMs`, leaving no waiter behind. */
  outcomeWithin(timeoutMs: number): Promise<ExecutionOutcome | undefined>;
  /** Set when the start's `dedupeKey` was taken: the handle is the earlier execution's. */
  duplicate?: true;
}

const noopLogger: EngineLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The durable interpreter. Drives executions in memory while it can, journals every step
 * through the Store with group commit, and picks up steps whose time has come (timers,
 * retries, recovered work) by claiming them with a lease.
 */
export class Engine {
  readonly store: Store;
  readonly registry: NodeRegistry;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly workerId: string;
  readonly leaseMs: number;
  /** False in a process that runs no node code (see `EngineOptions.runSteps`). */
  readonly runsSteps: boolean;
  readonly maxDepth: number;
  readonly logger: EngineLogger;
  /** Secrets handed to nodes so far (shared with the server's log redaction). */
  readonly redactor: Redactor;
  readonly options: EngineOptions;
  /** Executions this process drives now, by id. */
  readonly runs = new Map<string, ExecutionRun>();
  readonly workflows: WorkflowCache;
  readonly committer: GroupCommitter;
  readonly executor: StepExecutor;
  readonly workers: Workers;
  readonly operations: Operations;
  readonly subWorkflows: SubWorkflows;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly deadlines = new DeadlineTimers(
    () => this.clock.now(),
    (executionId) => void this.timeOut(executionId),
  );
  private readonly outcomes: OutcomeWaiters;
  private unsubscribeSettled: (() => void) | undefined;

  constructor(options: EngineOptions) {
    this.options = options;
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.ids = options.ids ?? { executionId: () => uuidv7(this.clock.now()) };
    this.workerId = options.workerId ?? `worker-${randomUUID()}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.runsSteps = options.runSteps ?? true;
    this.maxDepth = options.maxDepth ?? 10;
    this.logger = options.logger ?? noopLogger;
    this.redactor = options.redactor ?? new Redactor();
    this.workflows = new WorkflowCache(this.store);
    this.committer = new GroupCommitter(
      this.store,
      this.workerId,
      (run, outcome, change) => this.afterCommit(run, outcome, change),
      (error) => this.logger.error({ err: error }, 'committing the journal failed'),
    );
    this.executor = new StepExecutor(this);
    this.workers = new Workers(this);
    this.operations = new Operations(this);
    this.subWorkflows = new SubWorkflows(this);
    const pollMs = options.outcomePollMs ?? (this.store.subscribeWake ? 250 : 0);
    // With settled notifications, reads are only the fallback for a missed notification.
    const firstIntervalMs = this.store.subscribeSettled ? pollMs : undefined;
    this.outcomes = new OutcomeWaiters(
      pollMs > 0
        ? {
            maxIntervalMs: pollMs,
            ...(firstIntervalMs === undefined ? {} : { firstIntervalMs }),
            read: (id) => this.storedOutcome(id),
          }
        : undefined,
    );
  }

  /** The decision inputs for now. */
  decide(): Decide {
    return {
      now: this.clock.now(),
      workerId: this.runsSteps ? this.workerId : undefined,
      leaseMs: this.leaseMs,
    };
  }

  /** Recovers (in embedded mode), then claims due steps, renews leases and sweeps. */
  async start(options: { recover?: boolean } = {}): Promise<void> {
    if (options.recover) {
      const expired = await this.store.expireLeases({
        exceptOwner: this.workerId,
        now: this.clock.now(),
      });
      if (expired > 0) this.logger.info({ expired }, 'recovered steps from a previous process');
    }
    // Outcomes other processes commit (PostgreSQL): read at once when they are announced.
    this.unsubscribeSettled ??= this.store.subscribeSettled?.((ids) => this.outcomes.recheck(ids));
    this.workers.start();
  }

  /** Graceful stop: no new claims, running steps finish (up to `graceMs`), leases released. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.unsubscribeSettled?.();
    this.unsubscribeSettled = undefined;
    await this.workers.stop(options.graceMs ?? 10_000);
    this.deadlines.clear();
  }

  /** Starts an execution of a workflow; resolves once it is on disk. */
  async startExecution(
    options: StartExecutionOptions & { rerunOf?: string },
  ): Promise<ExecutionHandle> {
    const run = await this.operations.createRun(options);
    return this.launch(run);
  }

  /** Schedules a new run's first steps and waits for its first commit. */
  async launch(run: ExecutionRun): Promise<ExecutionHandle> {
    this.runs.set(run.id, run);
    this.executor.scheduleReady(run);
    const result = await this.committer.flush(run);
    if (result.status === 'duplicate') return this.existingHandle(result.executionId);
    if (result.status === 'schedule-changed') {
      throw new FlowstateError(
        'SCHEDULE_CHANGED',
        `Schedule "${result.scheduleId}" changed since it was claimed; its tick was not fired`,
      );
    }
    if (result.status !== 'ok') {
      throw new FlowstateError('COMMIT_FAILED', `Execution ${run.id} could not be stored`);
    }
    this.deadlines.watch(run.execution);
    // Registered only when asked for: a million started-and-forgotten sleepers hold nothing.
    let outcome: Promise<ExecutionOutcome> | undefined;
    const outcomeOf = () => this.outcomeOf(run);
    return {
      executionId: run.id,
      get outcome() {
        return (outcome ??= outcomeOf());
      },
      outcomeWithin: (timeoutMs) => {
        const current = this.runs.get(run.id) ?? run;
        const settled = settledOutcome(current.execution, current.responseNotified);
        return settled ? Promise.resolve(settled) : this.outcomes.waitAtMost(run.id, timeoutMs);
      },
    };
  }

  /** The handle of an execution started earlier under the same dedupe key. */
  private existingHandle(executionId: string): ExecutionHandle {
    let outcome: Promise<ExecutionOutcome> | undefined;
    const forever = async (): Promise<ExecutionOutcome> => {
      for (;;) {
        const settled = await this.awaitOutcome(executionId, 2_000_000_000);
        if (settled) return settled;
      }
    };
    return {
      executionId,
      duplicate: true,
      get outcome() {
        return (outcome ??= forever());
      },
      outcomeWithin: (timeoutMs) => this.awaitOutcome(executionId, timeoutMs),
    };
  }

  /** Waits for the end (or webhook response) of an execution started in this process. */
  private outcomeOf(run: ExecutionRun): Promise<ExecutionOutcome> {
    const current = this.runs.get(run.id) ?? run;
    const settled = settledOutcome(current.execution, current.responseNotified);
    if (settled) return Promise.resolve(settled);
    return this.outcomes.wait(run.id);
  }

  /**
   * Waits up to `timeoutMs` for an execution's webhook response or end (after its commit);
   * `undefined` when the time ran out. Nothing is kept once it returns, so callers that give
   * up (a webhook answering 202) leave nothing behind for long-running executions.
   */
  async awaitOutcome(
    executionId: string,
    timeoutMs: number,
  ): Promise<ExecutionOutcome | undefined> {
    const run = this.runs.get(executionId);
    if (run) {
      const settled = settledOutcome(run.execution, run.responseNotified);
      if (settled) return settled;
    } else {
      const stored = await this.store.getExecution(executionId);
      if (!stored) {
        throw new FlowstateError('EXECUTION_NOT_FOUND', `No execution with id "${executionId}"`);
      }
      const settled = settledOutcome(stored, true);
      if (settled) return settled;
    }
    return this.outcomes.waitAtMost(executionId, timeoutMs);
  }

  /** The outcome on disk of an execution (another process may be driving it). */
  private async storedOutcome(executionId: string): Promise<ExecutionOutcome | undefined> {
    const stored = await this.store.getExecution(executionId);
    return stored && settledOutcome(stored, true);
  }

  /** Commits `run` and reports the outcome; used before side effects and after results. */
  flush(run: ExecutionRun): Promise<FlushResult> {
    return this.committer.flush(run);
  }

  /** The run of an execution, from memory or loaded from the store. */
  async runOf(executionId: string): Promise<ExecutionRun | undefined> {
    const existing = this.runs.get(executionId);
    if (existing && !existing.evicted) return existing;
    const loaded = await this.store.loadExecution(executionId);
    if (!loaded) return undefined;
    const again = this.runs.get(executionId);
    if (again && !again.evicted) return again;
    const { graph } = await this.workflows.version(
      loaded.execution.workflowId,
      loaded.execution.workflowVersion,
    );
    const run = new ExecutionRun({
      execution: loaded.execution,
      graph,
      steps: loaded.steps,
      expectSeq: loaded.execution.seq,
    });
    for (const step of loaded.steps) run.noteLease(step, this.workerId);
    // Only `flow.return` sets the output of an execution that has not finished yet.
    run.returned = loaded.execution.output !== undefined;
    this.rebuildLastOutput(run);
    this.runs.set(executionId, run);
    return run;
  }

  private rebuildLastOutput(run: ExecutionRun): void {
    let latest = -1;
    for (const step of run.steps.values()) {
      if (step.status !== 'succeeded' || step.key.includes('/')) continue;
      if (run.graph.outgoing(step.nodeId).length > 0) continue;
      if ((step.finishedAt ?? 0) >= latest) {
        latest = step.finishedAt ?? 0;
        run.lastOutput = step.output ?? null;
      }
    }
  }

  private afterCommit(
    run: ExecutionRun,
    outcome: FlushResult,
    change: ExecutionChange | undefined,
  ): void {
    if (outcome.status !== 'ok') {
      // A refused start (taken dedupe key, changed schedule) is expected, not a lost race.
      const expected = outcome.status === 'duplicate' || outcome.status === 'schedule-changed';
      this.logger[expected ? 'debug' : 'warn'](
        { executionId: run.id, outcome },
        'commit refused; dropping the execution from this worker',
      );
      this.evict(run);
      return;
    }
    if (change && this.listeners.size > 0) {
      this.emit({ type: 'execution', execution: { ...run.execution } });
      for (const { step } of change.steps) {
        this.emit({
          type: 'step',
          executionId: run.id,
          workflowId: run.execution.workflowId,
          nodeType: run.graph.node(step.nodeId)?.type ?? 'unknown',
          step,
        });
      }
    }
    this.workers.noteDue(change);
    const execution = run.execution;
    const final = isFinal(execution);
    if (execution.response && !run.responseNotified && !final) {
      run.responseNotified = true;
      this.outcomes.notify(run.id, { kind: 'response', response: execution.response });
    }
    if (final) {
      this.outcomes.notify(
        run.id,
        execution.response && !run.responseNotified
          ? { kind: 'response', response: execution.response }
          : { kind: 'finished', execution: { ...execution } },
      );
      run.responseNotified = true;
      this.runs.delete(run.id);
      this.deadlines.forget(run.id);
      void this.operations.afterFinish(run);
    } else if (run.isQuiescent() || (!this.runsSteps && !run.dirty)) {
      // A process that runs no steps keeps nothing: workers elsewhere drive the execution.
      this.runs.delete(run.id);
    }
  }

  /** Drops a run whose lease or seq was lost: its in-flight results will be discarded. */
  /** Aborts and forgets every run with a step in progress (shutdown after the grace period). */
  abandonRunning(reason: string): void {
    for (const run of [...this.runs.values()]) {
      if (run.running.size === 0) continue;
      this.logger.warn(
        { executionId: run.id, steps: [...run.running.keys()] },
        `abandoning running steps: ${reason}`,
      );
      this.evict(run, reason);
    }
  }

  evict(run: ExecutionRun, reason = 'lease lost'): void {
    run.evicted = true;
    run.abortRunning(new Error(reason));
    if (this.runs.get(run.id) === run) this.runs.delete(run.id);
  }

  /** Finishes `run` if nothing is left to do, and commits. */
  async settle(run: ExecutionRun): Promise<void> {
    finishIfDone(run, this.decide());
    if (run.dirty) this.committer.request(run);
  }

  /** Emits a failpoint (crash-safety tests). */
  failpoint(name: FailpointName, info: { executionId: string; stepKey: string }): void {
    this.options.failpoint?.(name, info);
  }

  // ---- operator API --------------------------------------------------------------------

  async getExecutionDetail(id: string): Promise<ExecutionDetail | undefined> {
    const loaded = await this.store.loadExecution(id);
    if (!loaded) return undefined;
    const children = await this.store.listChildExecutions(id);
    return { execution: loaded.execution, steps: loaded.steps, children };
  }

  cancel(id: string): Promise<ExecutionRecord> {
    return this.operations.cancel(id);
  }

  pause(id: string): Promise<ExecutionRecord> {
    return this.operations.pause(id);
  }

  resume(id: string): Promise<ExecutionRecord> {
    return this.operations.resume(id);
  }

  /** Starts a new execution with the same version and input. */
  async rerun(id: string): Promise<ExecutionHandle> {
    const execution = await this.store.getExecution(id);
    if (!execution) throw new FlowstateError('EXECUTION_NOT_FOUND', `No execution with id "${id}"`);
    return this.startExecution({
      workflowId: execution.workflowId,
      version: execution.workflowVersion,
      triggerNodeId: execution.triggerNodeId,
      input: execution.input,
      rerunOf: id,
      ...(execution.simulate ? { simulate: true } : {}),
    });
  }

  /**
   * Re-runs a finished execution from `nodeId`: starts a new execution (`rerunOf: id`) of the
   * source's version (or `options.version`, or the draft with `options.draft`) with the same
   * trigger and input, in which the top-level ancestors of `nodeId` that succeeded are not run
   * again: their recorded outputs are reused (side effects included, which is the point).
   * `nodeId` and everything downstream run fresh; dead paths stay dead. Refuses with
   * `EXECUTION_NOT_FOUND`, `INVALID_STATE` (the source has not ended), `NODE_NOT_FOUND`,
   * `RERUN_INSIDE_LOOP` (re-run from the loop node instead) or `RERUN_NODE_UNREACHABLE`.
   *
   * @example
   * const handle = await engine.rerunFrom(executionId, 'transform', { draft: true });
   */
  async rerunFrom(
    id: string,
    nodeId: string,
    options: RerunFromOptions = {},
  ): Promise<ExecutionHandle> {
    const run = await buildRerunFrom(this, { executionId: id, nodeId, options });
    return this.launch(run);
  }

  /** Retries a failed execution from its failed step, keeping every completed output. */
  async retry(id: string): Promise<ExecutionRecord> {
    const execution = await this.operations.retry(id);
    this.deadlines.watch(execution);
    return execution;
  }

  /** Fails an execution past its deadline (see `Operations.timeOut`); logs what went wrong. */
  async timeOut(id: string): Promise<void> {
    try {
      await this.operations.timeOut(id);
    } catch (error) {
      // CONFLICT: it changed meanwhile (it ended, or another process timed it out).
      if (!(error instanceof FlowstateError && error.code === 'CONFLICT'))
        this.logger.warn({ err: error, executionId: id }, 'timing out an execution failed');
    }
  }

  /** Resumes the `wait.event` steps waiting for this event and key. */
  deliverEvent(event: {
    name: string;
    correlationKey: string;
    payload: JsonValue;
  }): Promise<{ resumed: string[]; waits: StepRef[] }> {
    return this.operations.deliverEvent(event);
  }

  /** Ends one step waiting for `eventName` through `port` (approval decisions). */
  resolveWait(input: {
    executionId: string;
    stepKey: string;
    eventName: string;
    port: string;
    value: JsonValue;
  }): Promise<'resolved' | 'not-waiting'> {
    return this.operations.resolveWait(input);
  }

  /** Live updates after each commit; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'engine event listener failed');
      }
    }
  }
}
