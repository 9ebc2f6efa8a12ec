import type { JsonValue, StepError, WebhookResponse } from '@flowstate/core';
import type {
  ExecutionRecord,
  ExecutionStatus,
  StepRecord,
  StepStatus,
  WaitRecord,
  WorkflowRecord,
} from '@flowstate/engine';
import {
  decodePayload,
  jsonOrNull,
  parseOrUndefined,
  type PayloadWriter,
} from './payload-codec.js';

/** Columns of `executions` as `ExecutionRow` reads them (payloads through `payload_text`). */
export function executionColumns(alias: string): string {
  const a = `${alias}.`;
  return `${a}id, ${a}workflow_id, ${a}workflow_version, ${a}status, ${a}seq, ${a}trigger_node_id,
  ${a}trigger_type, payload_text(${a}input) AS input, payload_text(${a}output) AS output, ${a}error,
  payload_text(${a}response) AS response, ${a}parent_execution_id, ${a}parent_step_key,
  ${a}depth, ${a}rerun_of, ${a}simulate, ${a}deadline_at, ${a}created_at, ${a}updated_at,
  ${a}finished_at`;
}

/** Columns of `steps` as `StepRow` reads them (payloads through `payload_text`). */
export function stepColumns(alias: string): string {
  const a = `${alias}.`;
  return `${a}execution_id, ${a}key, ${a}node_id, ${a}status, ${a}attempt, ${a}run_at,
  ${a}lease_owner, ${a}lease_expires_at, payload_text(${a}input) AS input,
  payload_text(${a}output) AS output, ${a}port, ${a}error, payload_text(${a}state) AS state,
  ${a}started_at, ${a}finished_at, ${a}duration_ms`;
}

export interface WorkflowRow {
  id: string;
  name: string;
  active: boolean;
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
  /** True for a simulated execution, else null. */
  simulate: boolean | null;
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
      active: row.active,
      draftVersion: row.draft_version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    { publishedVersion: row.published_version, publishedAt: row.published_at },
  );
}

export function toExecutionRecord(row: ExecutionRow): ExecutionRecord {
  const record: ExecutionRecord = {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status as ExecutionStatus,
    seq: row.seq,
    triggerNodeId: row.trigger_node_id,
    input: decodePayload(row.input) ?? null,
    depth: row.depth,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  return withOptional(record, {
    triggerType: row.trigger_type,
    output: decodePayload(row.output),
    error: parseOrUndefined<StepError>(row.error),
    response: decodePayload(row.response) as WebhookResponse | undefined,
    parentExecutionId: row.parent_execution_id,
    parentStepKey: row.parent_step_key,
    rerunOf: row.rerun_of,
    simulate: row.simulate === true ? true : undefined,
    deadlineAt: row.deadline_at,
    finishedAt: row.finished_at,
  });
}

export function toStepRecord(row: StepRow): StepRecord {
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
    input: decodePayload(row.input),
    output: decodePayload(row.output),
    port: row.port,
    error: parseOrUndefined<StepError>(row.error),
    state: decodePayload(row.state),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  });
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

/** Parameters $1..$19 of an execution row, in `EXECUTION_WRITE_COLUMNS` order (no seq). */
export function executionParams(record: ExecutionRecord, payloads: PayloadWriter): unknown[] {
  return [
    record.id,
    record.workflowId,
    record.workflowVersion,
    record.status,
    record.triggerNodeId,
    record.triggerType ?? null,
    payloads.encode(record.input),
    payloads.encode(record.output),
    jsonOrNull(record.error),
    payloads.encode(record.response),
    record.parentExecutionId ?? null,
    record.parentStepKey ?? null,
    record.depth,
    record.rerunOf ?? null,
    record.simulate === true ? true : null,
    record.deadlineAt ?? null,
    record.createdAt,
    record.updatedAt,
    record.finishedAt ?? null,
  ];
}

/** Written columns of `executions` and their types, in `executionParams` order. */
export const EXECUTION_WRITE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'text'],
  ['workflow_id', 'text'],
  ['workflow_version', 'integer'],
  ['status', 'text'],
  ['trigger_node_id', 'text'],
  ['trigger_type', 'text'],
  ['input', 'text'],
  ['output', 'text'],
  ['error', 'text'],
  ['response', 'text'],
  ['parent_execution_id', 'text'],
  ['parent_step_key', 'text'],
  ['depth', 'integer'],
  ['rerun_of', 'text'],
  ['simulate', 'boolean'],
  ['deadline_at', 'bigint'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['finished_at', 'bigint'],
];

/** Written columns of `steps` and their array types, in `stepValues` order. */
export const STEP_WRITE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['execution_id', 'text'],
  ['key', 'text'],
  ['node_id', 'text'],
  ['status', 'text'],
  ['attempt', 'integer'],
  ['run_at', 'bigint'],
  ['lease_owner', 'text'],
  ['lease_expires_at', 'bigint'],
  ['input', 'text'],
  ['output', 'text'],
  ['port', 'text'],
  ['error', 'text'],
  ['state', 'text'],
  ['started_at', 'bigint'],
  ['finished_at', 'bigint'],
  ['duration_ms', 'double precision'],
];

/** The values of a step row, in `STEP_WRITE_COLUMNS` order (payloads encoded). */
export function stepValues(record: StepRecord, payloads: PayloadWriter): unknown[] {
  return [
    record.executionId,
    record.key,
    record.nodeId,
    record.status,
    record.attempt,
    record.runAt ?? null,
    record.leaseOwner ?? null,
    record.leaseExpiresAt ?? null,
    payloads.encode(record.input),
    payloads.encode(record.output),
    record.port ?? null,
    jsonOrNull(record.error),
    payloads.encode(record.state),
    record.startedAt ?? null,
    record.finishedAt ?? null,
    record.durationMs ?? null,
  ];
}

/**
 * Rows as the one parameter of `rowsOf`: a JSON array of row arrays. One native
 * `JSON.stringify` instead of one PostgreSQL array literal per column, whose elements the
 * driver escapes one by one (payload JSON is full of quotes: that escaping was the largest
 * cost of a commit in this process).
 */
export function rowsParam(rows: readonly unknown[][]): string {
  return JSON.stringify(rows);
}

/**
 * A subquery of the rows in parameter `$param` (see `rowsParam`): one column per entry of
 * `columns`, named and cast as given, in array order.
 */
export function rowsOf(columns: ReadonlyArray<readonly [string, string]>, param = 1): string {
  const fields = columns.map(([name, type], i) => `(r->>${i})::${type} AS ${name}`);
  return `(SELECT ${fields.join(', ')} FROM jsonb_array_elements($${param}::jsonb) AS r)`;
}

/** The names of `columns`, comma-separated. */
export function namesOf(columns: ReadonlyArray<readonly [string, string]>): string {
  return columns.map(([name]) => name).join(', ');
}
