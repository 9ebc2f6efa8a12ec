import type { Workflow } from '@flowstate/core';
import type {
  CommitOutcome,
  ExecutionChange,
  ExecutionRecord,
  StepRecord,
  Store,
  WaitRecord,
} from '../store.js';

/** Time origin of contract tests (epoch ms); every test's clock starts here. */
export const T0 = 1_700_000_000_000;

/** Id of the workflow `seedWorkflow` creates. */
export const WORKFLOW_ID = 'wf-contract';

/** A minimal valid workflow definition. */
export function workflowDefinition(
  name = 'Contract workflow',
  extra: Partial<Workflow> = {},
): Workflow {
  return {
    schemaVersion: 1,
    name,
    nodes: [{ id: 'trigger', type: 'trigger.manual', name: 'Trigger', params: {} }],
    edges: [],
    ...extra,
  };
}

/** Creates the workflow every execution of the contract tests belongs to. */
export async function seedWorkflow(store: Store, id = WORKFLOW_ID): Promise<void> {
  await store.createWorkflow({
    id,
    definition: workflowDefinition(`Workflow ${id}`),
    active: true,
    publish: true,
    now: T0,
  });
}

/** A running top-level execution record; `seq` is set by the store. */
export function makeExecution(
  id: string,
  overrides: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  return {
    id,
    workflowId: WORKFLOW_ID,
    workflowVersion: 1,
    status: 'running',
    seq: 0,
    triggerNodeId: 'trigger',
    triggerType: 'trigger.manual',
    input: { hello: 'world' },
    depth: 0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** A step due at `T0` and never attempted. */
export function makeStep(
  executionId: string,
  key: string,
  overrides: Partial<StepRecord> = {},
): StepRecord {
  return { executionId, key, nodeId: key, status: 'ready', attempt: 0, runAt: T0, ...overrides };
}

/** A wait of `step` for `eventName`/`correlationKey`. */
export function makeWait(step: StepRecord, eventName: string, correlationKey: string): WaitRecord {
  return {
    executionId: step.executionId,
    stepKey: step.key,
    eventName,
    correlationKey,
    createdAt: T0,
  };
}

/** Commits `change` alone and returns its outcome. */
export async function commitOne(store: Store, change: ExecutionChange): Promise<CommitOutcome> {
  const outcomes = await store.commit([change]);
  if (outcomes.length !== 1)
    throw new Error(`commit of one change returned ${outcomes.length} outcomes`);
  return outcomes[0]!;
}

/** Inserts a new execution with `steps` (and waits); fails the test unless the store says ok. */
export async function insertExecution(
  store: Store,
  execution: ExecutionRecord,
  steps: readonly StepRecord[] = [],
  addWaits: readonly WaitRecord[] = [],
): Promise<number> {
  const outcome = await commitOne(store, {
    expectSeq: 'new',
    execution,
    steps: steps.map((step) => ({ step })),
    addWaits,
  });
  if (outcome.status !== 'ok')
    throw new Error(`inserting execution ${execution.id} gave ${outcome.status}`);
  return outcome.seq;
}

/** Rewrites steps under the execution's current seq (no fence), as event delivery does. */
export async function writeSteps(
  store: Store,
  executionId: string,
  steps: readonly StepRecord[],
): Promise<void> {
  const execution = await store.getExecution(executionId);
  if (execution === undefined) throw new Error(`execution ${executionId} does not exist`);
  const outcome = await commitOne(store, {
    expectSeq: execution.seq,
    execution,
    steps: steps.map((step) => ({ step })),
  });
  if (outcome.status !== 'ok')
    throw new Error(`writing steps of ${executionId} gave ${outcome.status}`);
}

/** Sets an execution's status under its current seq. */
export async function setExecutionStatus(
  store: Store,
  executionId: string,
  status: ExecutionRecord['status'],
  finishedAt?: number,
): Promise<void> {
  const execution = await store.getExecution(executionId);
  if (execution === undefined) throw new Error(`execution ${executionId} does not exist`);
  const next = { ...execution, status, ...(finishedAt === undefined ? {} : { finishedAt }) };
  const outcome = await commitOne(store, { expectSeq: execution.seq, execution: next, steps: [] });
  if (outcome.status !== 'ok')
    throw new Error(`setting status of ${executionId} gave ${outcome.status}`);
}

/** The stored step, or a test failure. */
export async function storedStep(
  store: Store,
  executionId: string,
  key: string,
): Promise<StepRecord> {
  const loaded = await store.loadExecution(executionId);
  const step = loaded?.steps.find((s) => s.key === key);
  if (step === undefined) throw new Error(`step ${executionId}/${key} does not exist`);
  return step;
}
