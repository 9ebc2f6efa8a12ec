import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { FlowstateError } from '@flowstate/core';
import { clientConfig, describeUrl } from './connection.js';
import { runMigrations } from './migrations.js';
import { BLOB_PREFIX, type PendingBlob } from './payload-codec.js';

/** A column value of an imported row: JSON text for payloads, epoch ms for times. */
export type ImportValue = string | number | boolean | null;

/** Rows of one table, keyed by column name (the portable form `SqliteExport` produces). */
export interface ImportBatch {
  table: string;
  rows: Record<string, ImportValue>[];
}

/**
 * Columns each importable table accepts, in foreign-key order. Generated columns
 * (`steps.claim_at`, `steps.position`, the CRM's `search` tsvectors) are left to PostgreSQL:
 * `position` follows the order rows arrive in, which keeps each execution's steps in the order
 * they were written, and `search` is computed from the copied names, emails and notes.
 */
const TABLES: Record<string, readonly string[]> = columns({
  workflows: 'id name active draft_version published_version published_at created_at updated_at',
  workflow_versions: 'workflow_id version definition hash created_at author message',
  executions:
    'id workflow_id workflow_version status seq trigger_node_id trigger_type input ' +
    'output error response parent_execution_id parent_step_key depth rerun_of simulate ' +
    'deadline_at ' +
    'created_at updated_at finished_at dedupe_key',
  steps:
    'execution_id key node_id status attempt run_at lease_owner lease_expires_at ' +
    'input output port error state started_at finished_at duration_ms',
  waits: 'execution_id step_key event_name correlation_key created_at info',
  schedules:
    'id workflow_id trigger_node_id version cron timezone catch_up catch_up_limit ' +
    'next_run_at lease_owner lease_expires_at created_at updated_at',
  settings: 'key value updated_at',
  users: 'id email name role password_hash disabled created_at updated_at',
  sessions: 'token_hash user_id csrf_hash created_at expires_at last_seen_at',
  api_keys: 'id user_id name role key_hash prefix created_at expires_at last_used_at revoked_at',
  credentials: 'id name type fields key_id ciphertext created_at updated_at',
  audit_log: 'seq at actor action target_type target_id summary prev_hash hash',
  idempotency_keys: 'scope key request_hash state response created_at updated_at expires_at',
  webhook_deliveries: 'scope id expires_at',
  notifications: 'id user_id key title body level link execution_id created_at read_at',
  crm_pipelines: 'id name record_type stages created_at updated_at',
  crm_field_definitions: 'record_type key definition updated_at',
  crm_contacts:
    'seq id created_at updated_at name email phone company_id owner_id pipeline_id stage ' +
    'stage_changed_at score source notes last_activity_at custom',
  crm_companies: 'seq id created_at updated_at name domain owner_id notes custom',
  crm_deals:
    'seq id created_at updated_at name contact_id company_id pipeline_id stage ' +
    'stage_changed_at amount currency owner_id close_date notes custom',
  crm_tasks:
    'seq id created_at updated_at title due_at priority assignee_id status record_type ' +
    'record_id notes completed_at custom',
  crm_activities:
    'seq id created_at updated_at kind record_type record_id subject body occurred_at ' +
    'actor_id custom',
  crm_events:
    'seq id record_type record_id event changed record previous actor created_at ' +
    'dispatched_at lease_owner lease_expires_at',
  crm_execution_links: 'record_type record_id execution_id workflow_id source created_at',
  crm_counters: 'key value',
});

/**
 * Tables whose `seq` is a `bigserial` filled from the source: their sequences are moved past
 * the copied values before COMMIT, so the target's next rows follow them.
 */
const SERIALS = [
  'crm_contacts',
  'crm_companies',
  'crm_deals',
  'crm_tasks',
  'crm_activities',
  'crm_events',
];

/** Column lists written as space-separated names. */
function columns(tables: Record<string, string>): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(tables).map(([t, list]) => [t, list.split(' ')]));
}

/** Payload columns whose large values go to `blobs` (see payload-codec.ts). */
const PAYLOADS: Record<string, readonly string[]> = {
  executions: ['input', 'output', 'response'],
  steps: ['input', 'output', 'state'],
};

/** The tables `importIntoPostgres` fills, in foreign-key order (plus `blobs`). */
export const IMPORT_TABLES: readonly string[] = Object.keys(TABLES);

/** Where to import and how. */
export interface PostgresImportOptions {
  /** `postgres://…`; a `search_path` in its `options` parameter chooses the schema. */
  connectionString: string;
  /** Payloads whose JSON is larger than this go to `blobs`. Default 256 KiB (the store's). */
  blobThresholdBytes?: number;
  /** How long connecting may take. Default 10 s. */
  connectTimeoutMs?: number;
}

/** What the target database holds before an import. */
export interface ImportTargetState {
  /** Schema version of Flowstate's tables there (0: none yet). */
  schemaVersion: number;
  /** Tables that already have rows, with their counts (empty: the target may be filled). */
  occupied: Record<string, number>;
}

/**
 * Connects to the target, failing with `DATABASE_UNREACHABLE` (naming the server, without its
 * password) when it cannot.
 */
async function connect(options: PostgresImportOptions): Promise<pg.Client> {
  const client = new pg.Client(
    clientConfig({
      connectionString: options.connectionString,
      poolSize: 1,
      applicationName: 'flowstate-migrate',
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      // One long transaction that waits on the SQLite reads between batches: no idle limit.
      idleInTransactionTimeoutMs: 0,
    }),
  );
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new FlowstateError(
      'DATABASE_UNREACHABLE',
      `Cannot connect to PostgreSQL at ${describeUrl(options.connectionString)}: ${(error as Error).message || String(error)}`,
      { cause: error },
    );
  }
}

/** Schema version and occupied tables of the connection's schema (reads only). */
async function targetState(client: pg.ClientBase): Promise<ImportTargetState> {
  const occupied: Record<string, number> = {};
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND c.relkind = 'r'
      AND c.relname = ANY($1::text[])`,
    [[...IMPORT_TABLES, 'blobs', 'schema_migrations']],
  );
  const present = new Set(rows.map((r) => r.name));
  let schemaVersion = 0;
  if (present.has('schema_migrations')) {
    const version = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    schemaVersion = version.rows[0]?.v ?? 0;
  }
  for (const table of [...IMPORT_TABLES, 'blobs']) {
    if (!present.has(table)) continue;
    const count = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    const n = count.rows[0]?.n ?? 0;
    if (n > 0) occupied[table] = n;
  }
  return { schemaVersion, occupied };
}

/** Reads what the target holds, writing nothing (for a dry run). */
export async function inspectImportTarget(
  options: PostgresImportOptions,
): Promise<ImportTargetState> {
  const client = await connect(options);
  try {
    return await targetState(client);
  } finally {
    await client.end();
  }
}

/** The `TARGET_NOT_EMPTY` error naming what the target already holds. */
function notEmpty(
  options: PostgresImportOptions,
  occupied: Record<string, number>,
): FlowstateError {
  const held = Object.entries(occupied)
    .map(([table, n]) => `${table}: ${n}`)
    .join(', ');
  return new FlowstateError(
    'TARGET_NOT_EMPTY',
    `The PostgreSQL schema at ${describeUrl(options.connectionString)} already holds Flowstate data (${held}). Migrate into an empty database or schema; merging two stores would mix two audit chains and clash on ids.`,
  );
}

/**
 * Imports batches of portable rows into an empty Flowstate schema, all in ONE transaction: the
 * schema is migrated first, then every table is locked against writers (a server started on
 * the target meanwhile waits), checked to be empty (`TARGET_NOT_EMPTY` otherwise), filled, and
 * committed, or nothing is. Large payloads are stored in `blobs` by the target's threshold.
 * `verify` runs before COMMIT with the rows imported per table; throwing from it rolls back.
 * Returns the rows imported per table (and `blobs` written).
 */
export async function importIntoPostgres(
  options: PostgresImportOptions,
  batches: Iterable<ImportBatch> | AsyncIterable<ImportBatch>,
  verify: (imported: Record<string, number>) => void = () => undefined,
): Promise<Record<string, number>> {
  const threshold = options.blobThresholdBytes ?? 256 * 1024;
  const client = await connect(options);
  try {
    await runMigrations(client);
    await client.query('BEGIN');
    try {
      await client.query(
        `LOCK TABLE ${[...IMPORT_TABLES, 'blobs'].join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
      );
      const state = await targetState(client);
      if (Object.keys(state.occupied).length > 0) throw notEmpty(options, state.occupied);
      const imported: Record<string, number> = Object.fromEntries(
        [...IMPORT_TABLES, 'blobs'].map((t) => [t, 0]),
      );
      for await (const batch of batches) {
        const blobs = await insertBatch(client, batch, threshold);
        imported[batch.table]! += batch.rows.length;
        imported['blobs']! += blobs;
      }
      for (const table of SERIALS) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'seq'), max(seq)) FROM ${table}`,
        );
      }
      verify(imported);
      await client.query('COMMIT');
      return imported;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Inserts one batch (one statement, plus one for its blobs); returns how many blobs it wrote. */
async function insertBatch(
  client: pg.ClientBase,
  batch: ImportBatch,
  threshold: number,
): Promise<number> {
  const columns = TABLES[batch.table];
  if (columns === undefined) {
    throw new FlowstateError('IMPORT_INVALID', `Cannot import into unknown table "${batch.table}"`);
  }
  const accepted = new Set(columns);
  const blobs: PendingBlob[] = [];
  const payloads = PAYLOADS[batch.table] ?? [];
  const rows = batch.rows.map((row, index) => {
    const unknown = Object.keys(row).filter((c) => !accepted.has(c));
    if (unknown.length > 0) {
      throw new FlowstateError(
        'IMPORT_INVALID',
        `Row ${index} of a "${batch.table}" batch has columns this schema does not know: ${unknown.join(', ')}`,
      );
    }
    if (payloads.length === 0) return row;
    const copy = { ...row };
    for (const column of payloads) {
      const text = copy[column];
      if (typeof text !== 'string' || text.startsWith(BLOB_PREFIX)) continue;
      if (text.length * 3 <= threshold) continue;
      const size = Buffer.byteLength(text);
      if (size <= threshold) continue;
      const id = randomUUID();
      blobs.push({ id, data: text, size });
      copy[column] = BLOB_PREFIX + id;
    }
    return copy;
  });
  if (blobs.length > 0) {
    await client.query(
      'INSERT INTO blobs (id, data, size) SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])',
      [blobs.map((b) => b.id), blobs.map((b) => b.data), blobs.map((b) => b.size)],
    );
  }
  const list = columns.join(', ');
  // Rows go in as one JSON array, typed by the table's own row type, in their given order.
  await client.query(
    `INSERT INTO ${batch.table} (${list})
      SELECT ${list} FROM json_populate_recordset(NULL::${batch.table}, $1::json) WITH ORDINALITY
      ORDER BY ordinality`,
    [JSON.stringify(rows)],
  );
  return blobs.length;
}
