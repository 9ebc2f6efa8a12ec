import type { JsonValue, WorkflowGraph, WorkflowNode } from '@flowstate/core';
import { parseStepKey, ROOT_SCOPE, stepKey, type Scope } from './keys.js';
import { edgeState, readiness, type Readiness } from './readiness.js';
import type { ScheduleTick } from './schedule-store.js';
import type { ExecutionChange, ExecutionRecord, StepRecord, StepRef, WaitRecord } from './store.js';

/**
 * The in-memory state of one execution while this process drives it: the journal rows
 * it has loaded or created, which of them changed since the last commit, and the waits to
 * add or remove. All changes to an execution in this process go through its run.
 */
export class ExecutionRun {
  execution: ExecutionRecord;
  readonly graph: WorkflowGraph;
  readonly steps = new Map<string, StepRecord>();
  /** The seq the next commit is based on; `'new'` until the execution is first committed. */
  expectSeq: number | 'new';
  private readonly dirtyKeys = new Set<string>();
  private executionDirty = false;
  addWaits: WaitRecord[] = [];
  removeWaits: StepRef[] = [];
  /** Steps whose node code runs now, with the controller that aborts them (null: pure). */
  readonly running = new Map<string, AbortController | null>();
  /** Journal every step before its successors run (set after crash recovery). */
  cautious = false;
  /** Set by `flow.return`: the execution's output. */
  returned = false;
  /** Output of the last top-level step that succeeded. */
  lastOutput: JsonValue | undefined;
  /** `$execution` for expressions (the same object for every step of the run). */
  get expressionInfo(): { id: string; workflowId: string; workflowVersion: number } {
    return (this.#expressionInfo ??= {
      id: this.execution.id,
      workflowId: this.execution.workflowId,
      workflowVersion: this.execution.workflowVersion,
    });
  }
  #expressionInfo: { id: string; workflowId: string; workflowVersion: number } | undefined;

  /** Keys of steps that are in the store. */
  readonly persisted = new Set<string>();
  /** Keys whose stored row is live and leased by this worker: writes to them are fenced. */
  readonly leasedOnDisk = new Set<string>();
  /** Dropped from this process (lease lost or conflict): its in-flight work is discarded. */
  evicted = false;
  /** A commit of this run is being written: its lease bookkeeping is about to change. */
  committing = false;
  /** Whether `outcome` waiters were told about the response already. */
  responseNotified = false;
  /** Conditions of the first commit (dedupe key, schedule tick); see `ExecutionChange`. */
  start: { dedupeKey?: string; scheduleTick?: ScheduleTick } | undefined;

  constructor(options: {
    execution: ExecutionRecord;
    graph: WorkflowGraph;
    steps?: readonly StepRecord[];
    expectSeq: number | 'new';
  }) {
    this.execution = uniformExecution(options.execution);
    this.graph = options.graph;
    this.expectSeq = options.expectSeq;
    for (const record of options.steps ?? []) {
      const step = uniformStep(record);
      this.steps.set(step.key, step);
      this.persisted.add(step.key);
      this.noteOutput(step);
    }
  }

  /** Records that a commit of `change` succeeded with `seq`. */
  committed(seq: number, change: ExecutionChange, workerId: string): void {
    this.expectSeq = seq;
    this.execution.seq = seq;
    for (const { step } of change.steps) {
      this.persisted.add(step.key);
      this.noteLease(step, workerId);
    }
  }

  /** Tracks whether the stored row of `step` is live and leased by `workerId`. */
  noteLease(step: StepRecord, workerId: string): void {
    const live = step.status === 'ready' || step.status === 'running' || step.status === 'waiting';
    if (live && step.leaseOwner === workerId) this.leasedOnDisk.add(step.key);
    else this.leasedOnDisk.delete(step.key);
  }

  get id(): string {
    return this.execution.id;
  }

  /** Outputs of succeeded top-level steps by node name, kept as steps succeed. */
  private readonly rootOutputs: Record<string, JsonValue> = {};

  /** Replaces a step row and marks it for the next commit. */
  putStep(record: StepRecord): void {
    const step = uniformStep(record);
    this.steps.set(step.key, step);
    this.dirtyKeys.add(step.key);
    this.noteOutput(step);
  }

  private noteOutput(step: StepRecord): void {
    if (step.status !== 'succeeded' || step.key.includes('/')) return;
    const node = this.graph.node(step.nodeId);
    if (node) this.rootOutputs[node.name] = step.output ?? null;
  }

  /** Replaces the execution row and marks it for the next commit. */
  setExecution(execution: ExecutionRecord): void {
    this.execution = uniformExecution(execution);
    this.executionDirty = true;
  }

  /** Marks the execution row as changed (it is always written with a commit). */
  touch(): void {
    this.executionDirty = true;
  }

  get dirty(): boolean {
    return (
      this.executionDirty ||
      this.dirtyKeys.size > 0 ||
      this.addWaits.length > 0 ||
      this.removeWaits.length > 0
    );
  }

  /** Takes the pending changes for a commit. */
  takeChanges(): { steps: StepRecord[]; addWaits: WaitRecord[]; removeWaits: StepRef[] } {
    const steps = [...this.dirtyKeys].map((key) => this.steps.get(key)!);
    this.dirtyKeys.clear();
    this.executionDirty = false;
    const changes = { steps, addWaits: this.addWaits, removeWaits: this.removeWaits };
    this.addWaits = [];
    this.removeWaits = [];
    return changes;
  }

  /** Aborts every side-effecting attempt in flight. */
  abortRunning(reason: Error): void {
    for (const controller of this.running.values()) controller?.abort(reason);
  }

  /** Whether any step is ready, running or waiting. */
  hasLiveSteps(): boolean {
    for (const step of this.steps.values()) {
      if (step.status === 'ready' || step.status === 'running' || step.status === 'waiting')
        return true;
    }
    return false;
  }

  /** Whether this process has nothing left to do for the run right now. */
  isQuiescent(): boolean {
    if (this.running.size > 0 || this.dirty) return false;
    for (const step of this.steps.values())
      if (step.status === 'ready' || step.status === 'running') return false;
    return true;
  }

  /** Top-level nodes downstream of the trigger that started this execution. */
  private reachable(): ReadonlySet<string> {
    return reachableFrom(this.graph, this.execution.triggerNodeId);
  }

  /** Whether a node in `scope` can run, must be skipped, or waits for more input. */
  readinessOf(scope: Scope, node: WorkflowNode): Readiness {
    const incoming = this.graph.incoming(node.id);
    return readiness(
      incoming.map((edge) => {
        const source = this.steps.get(stepKey(scope, edge.from));
        // Only nodes downstream of the trigger that fired can deliver; others never run.
        if (!source && scope.frames.length === 0 && !this.reachable().has(edge.from)) return 'dead';
        return edgeState(edge, source);
      }),
    );
  }

  /**
   * The input of `node` in `scope`: its single predecessor's output, or an object keyed by
   * predecessor name (live ones only) when it has several. Body entries get the loop item.
   */
  inputOf(scope: Scope, node: WorkflowNode, item: JsonValue | undefined): JsonValue {
    const incoming = this.graph.incoming(node.id);
    if (incoming.length === 0) return item ?? null;
    const sources = [...new Set(incoming.map((edge) => edge.from))];
    if (sources.length === 1) return this.steps.get(stepKey(scope, sources[0]!))?.output ?? null;
    const input: Record<string, JsonValue> = {};
    for (const source of sources) {
      const step = this.steps.get(stepKey(scope, source));
      if (step?.status !== 'succeeded') continue;
      if (!incoming.some((edge) => edge.from === source && edgeDelivered(step, edge.port)))
        continue;
      input[this.graph.node(source)!.name] = step.output ?? null;
    }
    return input;
  }

  /**
   * Outputs of succeeded steps visible from `scope`, by node name (inner scopes win).
   * At top level this is a live object shared by every expression: treat it as read-only.
   */
  stepOutputs(scope: Scope): Record<string, JsonValue> {
    if (scope.frames.length === 0) return this.rootOutputs;
    const outputs: Record<string, JsonValue> = {};
    const prefixes = new Set<string>([ROOT_SCOPE.prefix]);
    let prefix = '';
    for (const frame of scope.frames) {
      prefix += `${frame.loopId}[${frame.index}]/`;
      prefixes.add(prefix);
    }
    for (const step of this.steps.values()) {
      if (step.status !== 'succeeded') continue;
      const slash = step.key.lastIndexOf('/');
      const stepPrefix = slash < 0 ? '' : step.key.slice(0, slash + 1);
      if (!prefixes.has(stepPrefix)) continue;
      const node = this.graph.node(step.nodeId);
      if (node) outputs[node.name] = step.output ?? null;
    }
    return outputs;
  }

  /** The item and index of the innermost loop iteration of `scope`. */
  loopItem(scope: Scope): { item: JsonValue; index: number } | undefined {
    const frame = scope.frames.at(-1);
    if (!frame) return undefined;
    const outer = {
      frames: scope.frames.slice(0, -1),
      prefix: scope.prefix.slice(
        0,
        scope.prefix.length - `${frame.loopId}[${frame.index}]/`.length,
      ),
    };
    const loopStep = this.steps.get(stepKey(outer, frame.loopId));
    const state = loopStep?.state as { items?: JsonValue[] } | undefined;
    return { item: state?.items?.[frame.index] ?? null, index: frame.index };
  }

  /** Steps of one scope (not of nested scopes). */
  *stepsIn(scope: Scope): Iterable<StepRecord> {
    for (const step of this.steps.values()) {
      if (!step.key.startsWith(scope.prefix)) continue;
      if (step.key.indexOf('/', scope.prefix.length) >= 0) continue;
      yield step;
    }
  }

  /** Scope of a step by key. */
  scopeOf(key: string): Scope {
    return parseStepKey(key).scope;
  }
}

function edgeDelivered(step: StepRecord, port: string | undefined): boolean {
  return step.port === (port ?? 'out');
}

const reachableCache = new WeakMap<WorkflowGraph, Map<string, ReadonlySet<string>>>();

/** Nodes reachable from `start` along edges (cached per graph and start node). */
function reachableFrom(graph: WorkflowGraph, start: string): ReadonlySet<string> {
  let byStart = reachableCache.get(graph);
  if (!byStart) reachableCache.set(graph, (byStart = new Map()));
  const cached = byStart.get(start);
  if (cached) return cached;
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const edge of graph.outgoing(queue.pop()!)) {
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  byStart.set(start, seen);
  return seen;
}

/**
 * The same record with every field present, in one order. Step records are copied with
 * spreads on every transition; giving them one hidden class keeps those copies on V8's fast
 * path (mixed shapes made the engine's hot path several times slower).
 */
export function uniformStep(step: StepRecord): StepRecord {
  return {
    executionId: step.executionId,
    key: step.key,
    nodeId: step.nodeId,
    status: step.status,
    attempt: step.attempt,
    runAt: step.runAt,
    leaseOwner: step.leaseOwner,
    leaseExpiresAt: step.leaseExpiresAt,
    input: step.input,
    output: step.output,
    port: step.port,
    error: step.error,
    state: step.state,
    startedAt: step.startedAt,
    finishedAt: step.finishedAt,
    durationMs: step.durationMs,
  };
}

/** The execution record with every field present, in one order (see `uniformStep`). */
export function uniformExecution(execution: ExecutionRecord): ExecutionRecord {
  return {
    id: execution.id,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    seq: execution.seq,
    triggerNodeId: execution.triggerNodeId,
    triggerType: execution.triggerType,
    input: execution.input,
    output: execution.output,
    error: execution.error,
    response: execution.response,
    parentExecutionId: execution.parentExecutionId,
    parentStepKey: execution.parentStepKey,
    depth: execution.depth,
    rerunOf: execution.rerunOf,
    simulate: execution.simulate,
    deadlineAt: execution.deadlineAt,
    createdAt: execution.createdAt,
    updatedAt: execution.updatedAt,
    finishedAt: execution.finishedAt,
  };
}
