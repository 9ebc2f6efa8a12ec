import type { StepRecord } from '@flowstate/engine';

/** A column value of a portable row: JSON text for payloads, epoch ms for times. */
export type PortableValue = string | number | boolean | null;

/** One row of a Flowstate table, keyed by column name, as both stores' schemas name them. */
export type PortableRow = Record<string, PortableValue>;

/**
 * The tables the Store port persists, in an order that satisfies their foreign keys.
 * `blobs` is not among them: payload columns carry their JSON text inline (blobs resolved),
 * and the target stores large ones apart by its own threshold.
 */
export const PORTABLE_TABLES = [
  'workflows',
  'workflow_versions',
  'executions',
  'steps',
  'waits',
  'schedules',
  'settings',
  'users',
  'sessions',
  'api_keys',
  'credentials',
  'audit_log',
  'idempotency_keys',
  'webhook_deliveries',
] as const;

/** A table the Store port persists. */
export type PortableTable = (typeof PORTABLE_TABLES)[number];

/** Rows of one table, in the order they were written. */
export interface PortableBatch {
  table: PortableTable;
  rows: PortableRow[];
}

/** Columns read from each table (SQLite-only columns such as `steps_json` left out). */
export const COLUMNS: Record<PortableTable, string> = {
  workflows:
    'id, name, active, draft_version, published_version, published_at, created_at, updated_at',
  workflow_versions: 'workflow_id, version, definition, hash, created_at, author, message',
  executions: `id, workflow_id, workflow_version, status, seq, trigger_node_id, trigger_type,
    input, output, error, response, parent_execution_id, parent_step_key, depth, rerun_of,
    created_at, updated_at, finished_at, dedupe_key, steps_json`,
  steps: `execution_id, key, node_id, status, attempt, run_at, lease_owner, lease_expires_at,
    input, output, port, error, state, started_at, finished_at, duration_ms`,
  waits: 'execution_id, step_key, event_name, correlation_key, created_at, info',
  schedules: `id, workflow_id, trigger_node_id, version, cron, timezone, catch_up,
    catch_up_limit, next_run_at, lease_owner, lease_expires_at, created_at, updated_at`,
  settings: 'key, value, updated_at',
  users: 'id, email, name, role, password_hash, disabled, created_at, updated_at',
  sessions: 'token_hash, user_id, csrf_hash, created_at, expires_at, last_seen_at',
  api_keys: `id, user_id, name, role, key_hash, prefix, created_at, expires_at, last_used_at,
    revoked_at`,
  credentials: 'id, name, type, fields, key_id, ciphertext, created_at, updated_at',
  audit_log: 'seq, at, actor, action, target_type, target_id, summary, prev_hash, hash',
  idempotency_keys: 'scope, key, request_hash, state, response, created_at, updated_at, expires_at',
  webhook_deliveries: 'scope, id, expires_at',
};

/** Columns that may hold a `@blob:<id>` reference instead of JSON text. */
export const PAYLOADS: Partial<Record<PortableTable, readonly string[]>> = {
  executions: ['input', 'output', 'response', 'steps_json'],
  steps: ['input', 'output', 'state'],
};

/** 0/1 columns that are booleans in the portable form. */
export const BOOLEANS: Partial<Record<PortableTable, readonly string[]>> = {
  workflows: ['active'],
  users: ['disabled'],
};

const json = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value);

/** A step record of a compact journal as a `steps` row (it was never leased). */
export function stepRow(step: StepRecord): PortableRow {
  return {
    execution_id: step.executionId,
    key: step.key,
    node_id: step.nodeId,
    status: step.status,
    attempt: step.attempt,
    run_at: step.runAt ?? null,
    lease_owner: null,
    lease_expires_at: null,
    input: json(step.input),
    output: json(step.output),
    port: step.port ?? null,
    error: json(step.error),
    state: json(step.state),
    started_at: step.startedAt ?? null,
    finished_at: step.finishedAt ?? null,
    duration_ms: step.durationMs ?? null,
  };
}
