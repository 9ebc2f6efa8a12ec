import { FlowstateError, type JsonValue, type WorkflowGraph } from '@flowstate/core';
import type { Engine } from './engine.js';
import type { ExecutionRun } from './execution-run.js';
import { isFinal } from './outcomes.js';
import { finishIfDone, succeedStep, type Decide } from './progress.js';
import type { ExecutionRecord, StepRecord } from './store.js';
import type { CachedVersion } from './workflow-cache.js';

/** Options of `Engine.rerunFrom`. */
export interface RerunFromOptions {
  /** Run the workflow's draft (latest saved) version, as the editor does after an edit. */
  draft?: boolean;
  /** Run this version (wins over `draft`). Default: the source execution's version. */
  version?: number;
}

/**
 * Builds the run of "re-run from a node": a new execution (`rerunOf` the source) of the
 * chosen version with the source's trigger and input, in which every top-level ancestor of
 * `nodeId` that succeeded in the source is replayed with its recorded output and port instead
 * of being run. Replaying goes through the engine's own rules (`succeedStep`), so readiness
 * and dead-path elimination decide the rest exactly as in a normal run: a node whose
 * upstream took the other branch is skipped again, and an ancestor is reused only while
 * everything upstream of it was reused too (one that is new in this version, or did not
 * succeed in the source, runs, and so does whatever follows it). `nodeId` and everything
 * downstream of it run fresh. Throws the refusals documented on `Engine.rerunFrom`.
 */
export async function buildRerunFrom(
  engine: Engine,
  input: { executionId: string; nodeId: string; options: RerunFromOptions },
): Promise<ExecutionRun> {
  const { executionId, nodeId, options } = input;
  const loaded = await engine.store.loadExecution(executionId);
  if (!loaded) {
    throw new FlowstateError('EXECUTION_NOT_FOUND', `No execution with id "${executionId}"`);
  }
  const source = loaded.execution;
  if (!isFinal(source)) {
    throw new FlowstateError(
      'INVALID_STATE',
      `Cannot re-run execution ${source.id} from node "${nodeId}": it is ${source.status}; wait for it to end or cancel it first`,
    );
  }
  const version = await targetVersion(engine, source, options);
  checkNode(version, source, nodeId);
  const reuse = reusableSteps(version.graph, loaded.steps, nodeId);
  const run = await engine.operations.createRun({
    workflowId: source.workflowId,
    version: version.version,
    triggerNodeId: source.triggerNodeId,
    input: source.input,
    rerunOf: source.id,
    ...(source.simulate ? { simulate: true } : {}),
  });
  const decide = engine.decide();
  replay(run, reuse, decide);
  finishIfDone(run, decide);
  return run;
}

async function targetVersion(
  engine: Engine,
  source: ExecutionRecord,
  options: RerunFromOptions,
): Promise<CachedVersion> {
  if (options.version !== undefined)
    return engine.workflows.version(source.workflowId, options.version);
  if (options.draft === true) return engine.workflows.latest(source.workflowId, { draft: true });
  return engine.workflows.version(source.workflowId, source.workflowVersion);
}

/** Refuses a node the new run could not start from. */
function checkNode(version: CachedVersion, source: ExecutionRecord, nodeId: string): void {
  const graph = version.graph;
  const node = graph.node(nodeId);
  const where = `workflow "${version.workflowId}" version ${version.version}`;
  if (!node) {
    throw new FlowstateError('NODE_NOT_FOUND', `Node "${nodeId}" does not exist in ${where}`, {
      details: [{ path: '/nodeId', message: `no node "${nodeId}" in version ${version.version}` }],
    });
  }
  if (node.parentId !== undefined) {
    throw new FlowstateError(
      'RERUN_INSIDE_LOOP',
      `Node "${node.name}" runs inside the loop "${graph.node(node.parentId)?.name ?? node.parentId}" in ${where}; re-run from the loop node instead`,
      { details: [{ path: '/nodeId', message: `inside loop "${node.parentId}"` }] },
    );
  }
  if (!graph.triggers().some((trigger) => trigger.id === source.triggerNodeId)) {
    throw new FlowstateError(
      'INVALID_TRIGGER',
      `Trigger "${source.triggerNodeId}", which started execution ${source.id}, is not a trigger of ${where}; run that version afresh instead`,
    );
  }
  if (!downstream(graph, source.triggerNodeId).has(nodeId)) {
    throw new FlowstateError(
      'RERUN_NODE_UNREACHABLE',
      `Node "${node.name}" is not downstream of trigger "${source.triggerNodeId}", which started execution ${source.id}, in ${where}; it would never run`,
      { details: [{ path: '/nodeId', message: 'not reachable from the trigger that fired' }] },
    );
  }
}

/** The recorded top-level steps of ancestors of `nodeId` that succeeded, by node id. */
function reusableSteps(
  graph: WorkflowGraph,
  steps: readonly StepRecord[],
  nodeId: string,
): Map<string, StepRecord> {
  const ancestors = upstream(graph, nodeId);
  const reuse = new Map<string, StepRecord>();
  for (const step of steps) {
    if (step.key !== step.nodeId || step.status !== 'succeeded') continue;
    if (ancestors.has(step.nodeId)) reuse.set(step.nodeId, step);
  }
  return reuse;
}

/**
 * Succeeds every ready step that has a recorded result to reuse, with that result, until
 * none is left; the steps that become ready are replayed in turn. A reused step keeps
 * `attempt: 0` (no attempt of its node code was made in this execution).
 */
function replay(run: ExecutionRun, reuse: ReadonlyMap<string, StepRecord>, decide: Decide): void {
  const pending = [...run.steps.values()].filter((s) => s.status === 'ready').map((s) => s.key);
  while (pending.length > 0) {
    const key = pending.pop()!;
    const recorded = reuse.get(key);
    if (!recorded || run.steps.get(key)?.status !== 'ready') continue;
    const result = { port: recorded.port ?? 'out', value: recorded.output ?? (null as JsonValue) };
    pending.push(...succeedStep(run, key, result, decide));
  }
}

/** Top-level nodes `nodeId` depends on (transitively), without itself. */
function upstream(graph: WorkflowGraph, nodeId: string): Set<string> {
  return walk(nodeId, (id) => graph.incoming(id).map((edge) => edge.from));
}

/** Nodes reachable from `nodeId` along edges, with itself. */
function downstream(graph: WorkflowGraph, nodeId: string): Set<string> {
  return walk(nodeId, (id) => graph.outgoing(id).map((edge) => edge.to)).add(nodeId);
}

function walk(start: string, next: (id: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    for (const id of next(queue.pop()!)) {
      if (id === start || seen.has(id)) continue;
      seen.add(id);
      queue.push(id);
    }
  }
  return seen;
}
