import {
  ERROR_PORT,
  type JsonValue,
  type StepError,
  type SuspendOptions,
  type WorkflowNode,
} from '@flowstate/core';
import type { ExecutionRun } from './execution-run.js';
import {
  containerStepKey,
  iterationScope,
  parentScope,
  parseStepKey,
  ROOT_SCOPE,
  stepKey,
  type Scope,
} from './keys.js';
import type { StepRecord } from './store.js';

/**
 * The engine's decisions, as pure state transitions of an `ExecutionRun`: what becomes
 * ready or skipped when a step ends, how loops iterate, when an execution is done.
 * Nothing here does I/O or reads the clock: `now` and the worker id come in `Decide`.
 * See ARCHITECTURE.md beside this file for the rules.
 */
export interface Decide {
  now: number;
  /**
   * The worker that leases the steps it makes ready, to run them at once; undefined in a
   * process that runs no steps (an API process): they are left unleased for workers to claim.
   */
  workerId: string | undefined;
  leaseMs: number;
}

/** The state kept on a waiting step, by what it waits for. */
export type WaitState =
  | { kind: 'suspend'; options: SuspendOptions }
  | { kind: 'loop'; items: JsonValue[]; concurrency: number; started: number; completed: number }
  | {
      kind: 'call';
      childExecutionId: string;
      /** The child runs on if the caller fails (`onParentFailure: 'continue'`). */
      keepOnFailure?: true;
    };

/** Reads a waiting step's state. */
export function waitState(step: StepRecord): WaitState | undefined {
  return step.state as WaitState | undefined;
}

/** Marks `key` succeeded with `value` on `port`, then advances. Returns steps that became ready. */
export function succeedStep(
  run: ExecutionRun,
  key: string,
  result: { port: string; value: JsonValue },
  decide: Decide,
): string[] {
  const step = run.steps.get(key)!;
  run.putStep({
    ...step,
    status: 'succeeded',
    port: result.port,
    output: result.value,
    error: undefined,
    state: undefined,
    runAt: undefined,
    // A final step holds no lease.
    leaseOwner: undefined,
    leaseExpiresAt: undefined,
    finishedAt: decide.now,
  });
  const { scope, nodeId } = parseStepKey(key);
  if (scope.frames.length === 0 && run.graph.outgoing(nodeId).length === 0)
    run.lastOutput = result.value;
  return advance(run, key, decide);
}

/**
 * Applies the node's `onError` once its attempts ran out: `continue` passes `{ error }` on,
 * `route` sends `{ error, input }` out of the `error` port, `fail` fails the execution.
 */
export function exhaustStep(
  run: ExecutionRun,
  key: string,
  error: StepError,
  decide: Decide,
): string[] {
  const step = run.steps.get(key)!;
  const node = run.graph.node(step.nodeId)!;
  const errorValue = { code: error.code, message: error.message, name: error.name } as JsonValue;
  switch (node.onError ?? 'fail') {
    case 'continue':
      return succeedStep(run, key, { port: 'out', value: { error: errorValue } }, decide);
    case 'route':
      return succeedStep(
        run,
        key,
        { port: ERROR_PORT, value: { error: errorValue, input: step.input ?? null } },
        decide,
      );
    case 'fail':
      run.putStep({
        ...step,
        status: 'failed',
        error,
        finishedAt: decide.now,
        runAt: undefined,
        leaseOwner: undefined,
        leaseExpiresAt: undefined,
      });
      failExecution(
        run,
        { ...error, message: `Node "${node.name}" failed: ${error.message}` },
        decide,
      );
      return [];
  }
}

/** Fails the execution: live steps are cancelled (restorable by retry) and running ones aborted. */
export function failExecution(run: ExecutionRun, error: StepError, decide: Decide): void {
  for (const step of run.steps.values()) {
    if (step.status === 'ready' || step.status === 'waiting') {
      run.putStep({
        ...step,
        status: 'cancelled',
        error: CANCELLED_BY_FAILURE,
        leaseOwner: undefined,
      });
    }
  }
  run.abortRunning(new Error('execution failed'));
  run.setExecution({
    ...run.execution,
    status: 'failed',
    error,
    finishedAt: decide.now,
    updatedAt: decide.now,
  });
}

/** Marks a step cancelled by its execution's failure, so `retry` can bring it back. */
export const CANCELLED_BY_FAILURE: StepError = {
  name: 'Cancelled',
  code: 'CANCELLED_BY_FAILURE',
  message: 'Cancelled because the execution failed',
  retriable: true,
};

/**
 * Makes `key` a waiting step with `state`, unleased. Only a timer has a due time (`runAt`):
 * workers claim a waiting step when it is due, so a loop waiting for its iterations or a call
 * waiting for its child has none (their state moves on in memory, ahead of the row).
 */
export function parkStep(run: ExecutionRun, key: string, state: WaitState, runAt?: number): void {
  run.putStep({
    ...run.steps.get(key)!,
    status: 'waiting',
    state: state as unknown as JsonValue,
    runAt,
    leaseOwner: undefined,
    leaseExpiresAt: undefined,
  });
}

/** A step cancelled by its execution's failure (`retry` brings it back). */
export function cancelledByFailure(step: StepRecord): boolean {
  return step.status === 'cancelled' && step.error?.code === CANCELLED_BY_FAILURE.code;
}

/** Parks a step until a time or an event. */
export function suspendStep(run: ExecutionRun, key: string, options: SuspendOptions): void {
  const step = run.steps.get(key)!;
  parkStep(run, key, { kind: 'suspend', options }, options.until);
  if (options.event) {
    run.addWaits.push({
      executionId: run.id,
      stepKey: key,
      eventName: options.event.name,
      correlationKey: options.event.correlationKey,
      createdAt: step.startedAt ?? 0,
      ...(options.info === undefined ? {} : { info: options.info }),
    });
  }
}

/** Starts a loop: the step waits while its body runs `concurrency` iterations at a time. */
export function startLoop(
  run: ExecutionRun,
  key: string,
  loop: { items: JsonValue[]; concurrency: number },
  decide: Decide,
): string[] {
  if (loop.items.length === 0) return succeedStep(run, key, { port: 'done', value: [] }, decide);
  const state: WaitState = {
    kind: 'loop',
    items: loop.items,
    concurrency: loop.concurrency,
    started: 0,
    completed: 0,
  };
  // `state` stays shared with the step: starting iterations counts them in it.
  parkStep(run, key, state);
  const ready: string[] = [];
  while (state.started < Math.min(loop.concurrency, loop.items.length)) {
    ready.push(...startIteration(run, key, state, decide));
  }
  return ready;
}

function startIteration(
  run: ExecutionRun,
  loopKey: string,
  state: WaitState & { kind: 'loop' },
  decide: Decide,
): string[] {
  const { scope: outer, nodeId: loopId } = parseStepKey(loopKey);
  const index = state.started++;
  const scope = iterationScope(outer, loopId, index);
  const entries = run.graph.bodyEntries(loopId);
  if (entries.length === 0) return completeIteration(run, scope, decide);
  const ready: string[] = [];
  for (const entry of entries) ready.push(...consider(run, scope, entry, decide));
  return ready;
}

/** Resolves a waiting step with an event payload or a timeout value. */
export function resumeStep(
  run: ExecutionRun,
  key: string,
  result: { port: string; value: JsonValue },
  decide: Decide,
): string[] {
  run.removeWaits.push({ executionId: run.id, key });
  return succeedStep(run, key, result, decide);
}

/** After `key` ended, creates the successors that became ready or skipped. */
export function advance(run: ExecutionRun, key: string, decide: Decide): string[] {
  const { scope, nodeId } = parseStepKey(key);
  const ready: string[] = [];
  propagate(run, scope, nodeId, decide, ready);
  if (scope.frames.length > 0 && iterationDone(run, scope))
    ready.push(...completeIteration(run, scope, decide));
  return ready;
}

function propagate(
  run: ExecutionRun,
  scope: Scope,
  nodeId: string,
  decide: Decide,
  ready: string[],
): void {
  for (const edge of run.graph.outgoing(nodeId)) {
    const target = run.graph.node(edge.to);
    if (target) ready.push(...consider(run, scope, target, decide));
  }
}

/** Creates the step of `node` in `scope` if its readiness is decided; returns it when ready. */
function consider(run: ExecutionRun, scope: Scope, node: WorkflowNode, decide: Decide): string[] {
  const key = stepKey(scope, node.id);
  if (run.steps.has(key)) return [];
  // Nodes with no incoming edge are triggers at top level (only the one that fired runs)
  // and body entries inside a loop iteration (they receive the item).
  const decision =
    run.graph.incoming(node.id).length > 0
      ? run.readinessOf(scope, node)
      : scope.frames.length > 0
        ? 'ready'
        : 'wait';
  if (decision === 'wait') return [];
  if (decision === 'skip') {
    run.putStep(newStep(run, key, node.id, 'skipped', decide, undefined));
    const ready: string[] = [];
    propagate(run, scope, node.id, decide, ready);
    return ready;
  }
  const item = run.loopItem(scope)?.item;
  run.putStep(newStep(run, key, node.id, 'ready', decide, run.inputOf(scope, node, item)));
  return [key];
}

function newStep(
  run: ExecutionRun,
  key: string,
  nodeId: string,
  status: 'ready' | 'skipped',
  decide: Decide,
  input: JsonValue | undefined,
): StepRecord {
  const owned =
    status === 'ready' && run.execution.status === 'running' && decide.workerId !== undefined;
  return {
    executionId: run.id,
    key,
    nodeId,
    status,
    attempt: 0,
    ...(status === 'ready' ? { runAt: decide.now } : { finishedAt: decide.now }),
    ...(owned ? { leaseOwner: decide.workerId, leaseExpiresAt: decide.now + decide.leaseMs } : {}),
    ...(input === undefined ? {} : { input }),
  };
}

function iterationDone(run: ExecutionRun, scope: Scope): boolean {
  const frame = scope.frames.at(-1)!;
  for (const node of run.graph.childrenOf(frame.loopId)) {
    const step = run.steps.get(stepKey(scope, node.id));
    if (!step || !isFinal(step)) return false;
  }
  return true;
}

/** Counts a finished iteration; starts the next one or completes the loop step. */
function completeIteration(run: ExecutionRun, scope: Scope, decide: Decide): string[] {
  const loopKey = containerStepKey(scope)!;
  const loopStep = run.steps.get(loopKey)!;
  const state = { ...(waitState(loopStep) as WaitState & { kind: 'loop' }) };
  state.completed += 1;
  const ready: string[] = [];
  if (state.started < state.items.length)
    ready.push(...startIteration(run, loopKey, state, decide));
  run.putStep({ ...run.steps.get(loopKey)!, state: state as unknown as JsonValue });
  if (state.completed < state.items.length) return ready;
  const { nodeId: loopId } = parseStepKey(loopKey);
  const outer = parentScope(scope);
  const results = state.items.map((_, index) =>
    iterationResult(run, iterationScope(outer, loopId, index)),
  );
  return [...ready, ...succeedStep(run, loopKey, { port: 'done', value: results }, decide)];
}

/** One iteration's result: its single terminal node's output, or an object keyed by name. */
function iterationResult(run: ExecutionRun, scope: Scope): JsonValue {
  const frame = scope.frames.at(-1)!;
  const terminals = run.graph.terminals(frame.loopId);
  if (terminals.length === 1)
    return run.steps.get(stepKey(scope, terminals[0]!.id))?.output ?? null;
  const result: Record<string, JsonValue> = {};
  for (const node of terminals) {
    const step = run.steps.get(stepKey(scope, node.id));
    if (step?.status === 'succeeded') result[node.name] = step.output ?? null;
  }
  return result;
}

/**
 * Creates every step whose readiness is decided but which does not exist yet, in the top
 * scope and in every started loop iteration. Used after a retry and by the sweeper.
 */
export function reconcile(run: ExecutionRun, decide: Decide): string[] {
  const ready: string[] = [];
  const scopes: Scope[] = [ROOT_SCOPE];
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i]!;
    const frame = scope.frames.at(-1);
    for (const node of run.graph.childrenOf(frame?.loopId)) {
      ready.push(...consider(run, scope, node, decide));
      const step = run.steps.get(stepKey(scope, node.id));
      const state = step && waitState(step);
      if (step?.status === 'waiting' && state?.kind === 'loop') {
        for (let index = 0; index < state.started; index++)
          scopes.push(iterationScope(scope, node.id, index));
      }
    }
  }
  return ready;
}

/** Finishes the execution when no step is left ready, running or waiting. */
export function finishIfDone(run: ExecutionRun, decide: Decide): boolean {
  if (run.execution.status !== 'running' || run.hasLiveSteps()) return false;
  run.setExecution({
    ...run.execution,
    status: 'succeeded',
    output: run.returned ? (run.execution.output ?? null) : (run.lastOutput ?? null),
    finishedAt: decide.now,
    updatedAt: decide.now,
  });
  return true;
}

export function isFinal(step: StepRecord): boolean {
  return (
    step.status === 'succeeded' ||
    step.status === 'failed' ||
    step.status === 'skipped' ||
    step.status === 'cancelled'
  );
}
