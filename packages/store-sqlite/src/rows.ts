import type { JsonValue, StepError, WebhookResponse } from '@flowstate/core';
import type {
  ExecutionRecord,
  ExecutionStatus,
  StepRecord,
  StepStatus,
  WaitRecord,
  WorkflowRecord,
} from '@flowstate/engine';
import { jsonOrNull, parseOrUndefined, type PayloadCodec } from './payload-codec.js';

/** Column list of `executions` in the order of `ExecutionRow`. */
export const EXECUTION_COLUMNS = `id, workflow_id, workflow_version, status, seq, trigger_node_id,
  trigger_type, input, output, error, response, parent_execution_id, parent_step_key, depth,
  rerun_of, simulate, deadline_at, created_at, updated_at, finished_at`;

/** Column list of `steps` (without the generated `claim_at`). */
export const STEP_COLUMNS = `execution_id, key, node_id, status, attempt, run_at, lease_owner,
  lease_expires_at, input, output, port, error, state, started_at, finished_at, duration_ms`;

export interface WorkflowRow {
  id: string;
  name: string;
  active: number;
  draft_version: number;
  published_version: number | null;
  published_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ExecutionRow {
  id: string;
  workflow_id: string;
  workflow_version: number;
  status: string;
  seq: number;
  trigger_node_id: string;
  trigger_type: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  response: string | null;
  parent_execution_id: string | null;
  parent_step_key: string | null;
  depth: number;
  rerun_of: string | null;
  /** 1 for a simulated execution, else null. */
  simulate: number | null;
  deadline_at: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface StepRow {
  execution_id: string;
  key: string;
  node_id: string;
  status: string;
  attempt: number;
  run_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  input: string | null;
  output: string | null;
  port: string | null;
  error: string | null;
  state: string | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
}

export interface WaitRow {
  execution_id: string;
  step_key: string;
  event_name: string;
  correlation_key: string;
  created_at: number;
  info: string | null;
}

/** Copies the entries of `optional` whose value is not null/undefined onto `target`. */
function withOptional<T extends object>(target: T, optional: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== null && value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

export function toWorkflowRecord(row: WorkflowRow): WorkflowRecord {
  return withOptional(
    {
      id: row.id,
      name: row.name,
      active: row.active === 1,
      draftVersion: row.draft_version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    { publishedVersion: row.published_version, publishedAt: row.published_at },
  );
}

export function toExecutionRecord(row: ExecutionRow, codec: PayloadCodec): ExecutionRecord {
  const record: ExecutionRecord = {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status as ExecutionStatus,
    seq: row.seq,
    triggerNodeId: row.trigger_node_id,
    input: codec.decode(row.input) ?? null,
    depth: row.depth,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  return withOptional(record, {
    triggerType: row.trigger_type,
    output: codec.decode(row.output),
    error: parseOrUndefined<StepError>(row.error),
    response: codec.decode(row.response) as WebhookResponse | undefined,
    parentExecutionId: row.parent_execution_id,
    parentStepKey: row.parent_step_key,
    rerunOf: row.rerun_of,
    simulate: row.simulate === 1 ? true : undefined,
    deadlineAt: row.deadline_at,
    finishedAt: row.finished_at,
  });
}

/** Named parameters of an execution row (payloads encoded, blobs written). */
export function executionParams(
  record: ExecutionRecord,
  codec: PayloadCodec,
): Omit<ExecutionRow, 'seq'> {
  return {
    id: record.id,
    workflow_id: record.workflowId,
    workflow_version: record.workflowVersion,
    status: record.status,
    trigger_node_id: record.triggerNodeId,
    trigger_type: record.triggerType ?? null,
    input: codec.encode(record.input),
    output: codec.encode(record.output),
    error: jsonOrNull(record.error),
    response: codec.encode(record.response),
    parent_execution_id: record.parentExecutionId ?? null,
    parent_step_key: record.parentStepKey ?? null,
    depth: record.depth,
    rerun_of: record.rerunOf ?? null,
    simulate: record.simulate ? 1 : null,
    deadline_at: record.deadlineAt ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    finished_at: record.finishedAt ?? null,
  };
}

export function toStepRecord(row: StepRow, codec: PayloadCodec): StepRecord {
  const record: StepRecord = {
    executionId: row.execution_id,
    key: row.key,
    nodeId: row.node_id,
    status: row.status as StepStatus,
    attempt: row.attempt,
  };
  return withOptional(record, {
    runAt: row.run_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    input: codec.decode(row.input),
    output: codec.decode(row.output),
    port: row.port,
    error: parseOrUndefined<StepError>(row.error),
    state: codec.decode(row.state),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  });
}

/** Named parameters of a step row (payloads encoded, blobs written). */
export function stepParams(record: StepRecord, codec: PayloadCodec): StepRow {
  return {
    execution_id: record.executionId,
    key: record.key,
    node_id: record.nodeId,
    status: record.status,
    attempt: record.attempt,
    run_at: record.runAt ?? null,
    lease_owner: record.leaseOwner ?? null,
    lease_expires_at: record.leaseExpiresAt ?? null,
    input: codec.encode(record.input),
    output: codec.encode(record.output),
    port: record.port ?? null,
    error: jsonOrNull(record.error),
    state: codec.encode(record.state),
    started_at: record.startedAt ?? null,
    finished_at: record.finishedAt ?? null,
    duration_ms: record.durationMs ?? null,
  };
}

export function toWaitRecord(row: WaitRow): WaitRecord {
  return {
    executionId: row.execution_id,
    stepKey: row.step_key,
    eventName: row.event_name,
    correlationKey: row.correlation_key,
    createdAt: row.created_at,
    ...(row.info === null ? {} : { info: JSON.parse(row.info) as JsonValue }),
  };
}
