import {
  assertNever,
  DIRECTIVE,
  type NodeDirective,
  type NodeType,
  type StepError,
  type SuspendOptions,
} from '@flowstate/core';
import type { Engine } from './engine.js';
import type { ExecutionRun } from './execution-run.js';
import { directiveError, invokeNode, type Invocation } from './invoke-node.js';
import { parseStepKey } from './keys.js';
import { exhaustStep, startLoop, succeedStep, suspendStep } from './progress.js';
import { retryDelay, retryPolicy } from './retry.js';

const DEFAULT_TIMEOUT_MS = 300_000;
/** `$vars` until workflow variables exist: shared, never written. */
const NO_VARS: Record<string, never> = Object.freeze({});
/** Signal of pure attempts: they are not aborted mid-way. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs steps: one attempt of node code, then the decision that follows (success, retry,
 * `onError`, a directive) and the commit that journals it. Pure nodes run ahead of the
 * journal; side-effecting ones have their attempt committed before they run and their
 * result committed before any successor runs.
 */
export class StepExecutor {
  /** How many steps run in this process now. */
  inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly engine: Engine) {}

  /** Starts every ready step of `run` that this worker owns. */
  scheduleReady(run: ExecutionRun): void {
    for (const step of run.steps.values()) {
      if (step.status === 'ready' && step.leaseOwner === this.engine.workerId)
        this.schedule(run, step.key);
    }
  }

  /** Starts running `key` without waiting for it (never in a process that runs no steps). */
  schedule(run: ExecutionRun, key: string): void {
    if (!this.engine.runsSteps) return;
    if (run.execution.status !== 'running' || run.evicted || run.running.has(key)) return;
    this.inFlight += 1;
    void this.track(run, key);
  }

  /** Resolves when no step runs in this process (graceful stop). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** One promise per step: runs it, logs a crash, and leaves `inFlight` when done. */
  private async track(run: ExecutionRun, key: string): Promise<void> {
    try {
      await this.execute(run, key);
    } catch (error) {
      this.engine.logger.error(
        { err: error, executionId: run.id, stepKey: key },
        'step execution crashed',
      );
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async execute(run: ExecutionRun, key: string): Promise<void> {
    const engine = this.engine;
    const step = run.steps.get(key);
    if (!step || (step.status !== 'ready' && step.status !== 'running')) return;
    const node = run.graph.node(step.nodeId);
    const nodeType = node && engine.registry.get(node.type);
    // Pure nodes ignore cancellation mid-attempt (they take microseconds): no controller each.
    const controller = nodeType?.sideEffects === false ? null : new AbortController();
    run.running.set(key, controller);
    const now = engine.clock.now();
    run.putStep({
      ...step,
      status: 'running',
      attempt: step.status === 'ready' ? step.attempt + 1 : step.attempt,
      startedAt: now,
      leaseOwner: engine.workerId,
      leaseExpiresAt: now + engine.leaseMs,
    });
    const journalFirst = run.cautious || (nodeType?.sideEffects ?? true);
    if (journalFirst && (await engine.flush(run)).status !== 'ok')
      return void run.running.delete(key);

    let invocation: Invocation;
    if (!node || !nodeType) {
      invocation = {
        kind: 'error',
        error: directiveError(`Unknown node type "${node?.type ?? step.nodeId}"`),
      };
    } else if (node.disabled) {
      invocation = { kind: 'output', port: 'out', value: run.steps.get(key)!.input ?? null };
    } else {
      invocation = await this.invoke(run, key, nodeType, controller?.signal ?? NEVER_ABORTED);
    }
    run.running.delete(key);
    if (run.evicted) return;
    if (nodeType?.sideEffects)
      engine.failpoint('after-side-effect-before-record', { executionId: run.id, stepKey: key });

    const ready = await this.record(run, key, invocation, nodeType);
    if (journalFirst || ready === undefined) {
      const outcome = await engine.flush(run);
      if (outcome.status !== 'ok') return;
      engine.failpoint('after-commit', { executionId: run.id, stepKey: key });
    }
    for (const next of ready ?? []) this.schedule(run, next);
    await engine.settle(run);
  }

  private lastIso = { at: Number.NaN, text: '' };
  private readonly now = (): number => this.engine.clock.now();

  /** `$now` for a step: formatting a date costs more than a pure step, so reuse it per ms. */
  private isoTime(now: number): string {
    if (this.lastIso.at !== now) this.lastIso = { at: now, text: new Date(now).toISOString() };
    return this.lastIso.text;
  }

  private async invoke(
    run: ExecutionRun,
    key: string,
    nodeType: NodeType,
    signal: AbortSignal,
  ): Promise<Invocation> {
    const engine = this.engine;
    const step = run.steps.get(key)!;
    const node = run.graph.node(step.nodeId)!;
    const { scope } = parseStepKey(key);
    const loop = run.loopItem(scope);
    const now = engine.clock.now();
    const started = performance.now();
    const invocation = await invokeNode({
      node,
      nodeType,
      execution: run.execution,
      stepKey: key,
      attempt: step.attempt,
      input: step.input ?? null,
      scope: {
        trigger: run.execution.input,
        steps: run.stepOutputs(scope),
        input: step.input ?? null,
        item: loop?.item,
        index: loop?.index,
        vars: NO_VARS,
        execution: run.expressionInfo,
        now: this.isoTime(now),
      },
      timeoutMs:
        node.timeoutMs ??
        nodeType.timeoutMs ??
        engine.options.defaultTimeoutMs ??
        DEFAULT_TIMEOUT_MS,
      expressionTimeoutMs: engine.options.expressionTimeoutMs ?? 1000,
      signal,
      simulate: run.execution.simulate === true,
      now: this.now,
      logger: engine.logger,
      ...(engine.options.credentials ? { credentials: engine.options.credentials } : {}),
      redactor: engine.redactor,
    });
    const current = run.steps.get(key)!;
    run.steps.set(key, {
      ...current,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
    return invocation;
  }

  /**
   * Journals the attempt's result in memory. Returns the steps that became ready, or
   * `undefined` when the result must be committed before anything else happens.
   */
  private async record(
    run: ExecutionRun,
    key: string,
    invocation: Invocation,
    nodeType: NodeType | undefined,
  ): Promise<string[] | undefined> {
    const engine = this.engine;
    const decide = engine.decide();
    const step = run.steps.get(key)!;
    if (run.execution.status !== 'running' && run.execution.status !== 'paused') {
      run.putStep({
        ...step,
        status: 'cancelled',
        finishedAt: decide.now,
        ...resultFields(invocation),
      });
      return undefined;
    }
    switch (invocation.kind) {
      case 'output':
        return succeedStep(run, key, { port: invocation.port, value: invocation.value }, decide);
      case 'error':
        return this.fail(run, key, invocation.error, nodeType);
      case 'directive':
        return this.direct(run, key, invocation.directive);
      default:
        return assertNever(invocation);
    }
  }

  /** Retries per the node's policy, or applies `onError` when attempts ran out. */
  private fail(
    run: ExecutionRun,
    key: string,
    error: StepError,
    nodeType: NodeType | undefined,
  ): string[] | undefined {
    const engine = this.engine;
    const decide = engine.decide();
    const step = run.steps.get(key)!;
    const policy = retryPolicy(run.graph.node(step.nodeId)!, nodeType);
    const retrying = error.retriable && step.attempt < policy.maxAttempts;
    engine.logger[retrying ? 'info' : 'warn'](
      {
        executionId: run.id,
        workflowId: run.execution.workflowId,
        stepKey: key,
        nodeType: nodeType?.type ?? 'unknown',
        attempt: step.attempt,
        error: { code: error.code, message: error.message },
      },
      retrying ? 'step attempt failed; retrying' : 'step failed',
    );
    if (retrying) {
      const delay = retryDelay(policy, step.attempt, Math.random(), error.retryAfterMs);
      run.putStep({
        ...step,
        status: 'ready',
        error,
        runAt: decide.now + delay,
        leaseOwner: undefined,
        leaseExpiresAt: undefined,
      });
      return undefined;
    }
    return exhaustStep(run, key, error, decide);
  }

  private async direct(
    run: ExecutionRun,
    key: string,
    directive: NodeDirective,
  ): Promise<string[] | undefined> {
    const engine = this.engine;
    const decide = engine.decide();
    const step = run.steps.get(key)!;
    switch (directive[DIRECTIVE]) {
      case 'emit':
        return succeedStep(run, key, { port: directive.port, value: directive.value }, decide);
      case 'suspend': {
        const problem = unendingWait(directive.options);
        if (problem !== undefined) return this.fail(run, key, directiveError(problem), undefined);
        suspendStep(run, key, directive.options);
        return undefined;
      }
      case 'loop':
        return startLoop(run, key, directive, decide);
      case 'call':
        return engine.subWorkflows.call(run, key, directive);
      case 'respond':
        run.setExecution({ ...run.execution, response: directive.response, updatedAt: decide.now });
        return succeedStep(run, key, { port: 'out', value: step.input ?? null }, decide);
      case 'return':
        run.returned = true;
        run.setExecution({ ...run.execution, output: directive.value, updatedAt: decide.now });
        return succeedStep(run, key, { port: 'out', value: directive.value }, decide);
      default:
        return assertNever(directive);
    }
  }
}

/** Why a wait could never end (nothing would resume it), or undefined. */
function unendingWait(options: SuspendOptions): string | undefined {
  if (options.until === undefined && !options.event) return 'A wait needs a time, an event or both';
  if (options.until !== undefined && !options.onTimeout)
    return 'A wait with a time needs onTimeout: the port and value it ends with';
  return undefined;
}

function resultFields(invocation: Invocation) {
  if (invocation.kind === 'output') return { output: invocation.value, port: invocation.port };
  if (invocation.kind === 'error') return { error: invocation.error };
  return {};
}
