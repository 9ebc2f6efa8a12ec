import type { StepRecord } from '@flowstate/engine';

/** A column value of a portable row: JSON text for payloads, epoch ms for times. */
export type PortableValue = string | number | boolean | null;

/** One row of a Flowstate table, keyed by column name, as both stores' schemas name them. */
export type PortableRow = Record<string, PortableValue>;

/**
 * The tables the Store port persists, in an order that satisfies their foreign keys
 * (`notifications` after `users`; the CRM's tables have none). `blobs` is not among them:
 * payload columns carry their JSON text inline (blobs resolved), and the target stores large
 * ones apart by its own threshold. Derived data is not either: the CRM's FTS5 tables
 * (`crm_*_fts`) have their counterpart in PostgreSQL's generated `search` columns.
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
  'notifications',
  'crm_pipelines',
  'crm_field_definitions',
  'crm_contacts',
  'crm_companies',
  'crm_deals',
  'crm_tasks',
  'crm_activities',
  'crm_events',
  'crm_execution_links',
  'crm_counters',
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
    simulate, deadline_at, created_at, updated_at, finished_at, dedupe_key, steps_json`,
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
  notifications: 'id, user_id, key, title, body, level, link, execution_id, created_at, read_at',
  // The CRM's JSON columns (custom, stages, definition, changed, record, previous) are JSON
  // text in both schemas; `seq` is copied so records and events keep their order.
  crm_pipelines: 'id, name, record_type, stages, created_at, updated_at',
  crm_field_definitions: 'record_type, key, definition, updated_at',
  crm_contacts: `seq, id, created_at, updated_at, name, email, phone, company_id, owner_id,
    pipeline_id, stage, stage_changed_at, score, source, notes, last_activity_at, custom`,
  crm_companies: 'seq, id, created_at, updated_at, name, domain, owner_id, notes, custom',
  crm_deals: `seq, id, created_at, updated_at, name, contact_id, company_id, pipeline_id, stage,
    stage_changed_at, amount, currency, owner_id, close_date, notes, custom`,
  crm_tasks: `seq, id, created_at, updated_at, title, due_at, priority, assignee_id, status,
    record_type, record_id, notes, completed_at, custom`,
  crm_activities: `seq, id, created_at, updated_at, kind, record_type, record_id, subject, body,
    occurred_at, actor_id, custom`,
  crm_events: `seq, id, record_type, record_id, event, changed, record, previous, actor,
    created_at, dispatched_at, lease_owner, lease_expires_at`,
  crm_execution_links: 'record_type, record_id, execution_id, workflow_id, source, created_at',
  crm_counters: 'key, value',
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
