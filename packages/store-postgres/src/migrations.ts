import type pg from 'pg';
import { CRM_MIGRATION } from './crm-migration.js';
import { COMPACT_MIGRATION } from './migrations-compact.js';
import { JOURNAL_MIGRATION } from './migrations-journal.js';
import { NOTIFICATION_MIGRATION } from './migrations-notifications.js';
import { PLATFORM_MIGRATIONS } from './migrations-platform.js';

/** One schema change. Applied once, in `version` order, inside the migration transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Final step statuses as an SQL list (kept in sync with `FINAL_STEP_STATUSES`). */
export const FINAL_STEP_SQL = `('succeeded','failed','skipped','cancelled')`;
/**
 * Active step statuses as an SQL list (`ACTIVE_STEP_STATUSES`): word for word the condition
 * of the partial index `steps_active`, so that a query using it can use the index.
 */
export const ACTIVE_STEP_SQL = `('ready','running','waiting')`;
/** Final execution statuses as an SQL list (kept in sync with `FINAL_EXECUTION_STATUSES`). */
export const FINAL_EXECUTION_SQL = `('succeeded','failed','cancelled')`;

/**
 * First key of the advisory lock that serializes migrations; the second is a hash of the
 * schema, so stores of different schemas in one database migrate independently.
 */
export const MIGRATION_LOCK_KEY = 0x466c6f77; // "Flow"

/** Every schema version, oldest first. Append only: never edit a released migration. */
export const MIGRATIONS: readonly Migration[] = [
  JOURNAL_MIGRATION,
  ...PLATFORM_MIGRATIONS,
  NOTIFICATION_MIGRATION,
  CRM_MIGRATION,
  COMPACT_MIGRATION,
  {
    version: 8,
    name: 'open children',
    // The sweeper's look for children whose caller was cancelled or failed: only unfinished
    // children are indexed, so it costs nothing per finished execution. The condition is the
    // engine's OPEN_CHILD_SQL word for word (a query must repeat it to use the index).
    sql: `
CREATE INDEX executions_open_children ON executions (parent_execution_id, parent_step_key)
  WHERE parent_execution_id IS NOT NULL AND status IN ('running','paused');
`,
  },
  {
    version: 9,
    name: 'simulated executions',
    // True for a test run whose side-effecting nodes only record what they would do.
    sql: `ALTER TABLE executions ADD COLUMN simulate boolean;`,
  },
  {
    version: 10,
    name: 'execution deadlines',
    // settings.timeoutMs: the sweeper looks for unfinished executions past their deadline; the
    // index holds only those (the condition is the engine's DEADLINE_SQL word for word).
    sql: `
ALTER TABLE executions ADD COLUMN deadline_at bigint;
CREATE INDEX executions_deadline ON executions (deadline_at)
  WHERE deadline_at IS NOT NULL AND status IN ('running','paused');
`,
  },
];

/**
 * Applies every migration newer than the schema's version, in one transaction, under a
 * transaction-scoped advisory lock: several processes starting at once wait for the first
 * one, then find nothing left to do. Creates `schema` first when given. Returns how many
 * migrations were applied.
 */
export async function runMigrations(
  client: pg.ClientBase,
  options: { schema?: string; migrations?: readonly Migration[] } = {},
): Promise<number> {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MIGRATION_LOCK_KEY,
      options.schema ?? '',
    ]);
    if (options.schema !== undefined) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`);
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`);
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    const current = rows[0]?.v ?? 0;
    const pending = migrations.filter((m) => m.version > current);
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, Date.now()],
      );
    }
    await client.query('COMMIT');
    return pending.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** An SQL identifier in double quotes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
