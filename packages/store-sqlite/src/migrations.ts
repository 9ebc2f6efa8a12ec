import type { Database } from 'better-sqlite3';
import { CRM_MIGRATION } from './crm-migration.js';

/** One schema change. Applied once, in `version` order, inside a transaction. */
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
 * Earliest time at which a step can be claimed, NULL when it never can (final steps,
 * untimed waits). A live lease pushes it to the lease's expiry. See ARCHITECTURE.md.
 */
const CLAIM_AT = `CASE status
    WHEN 'running' THEN CASE WHEN lease_owner IS NULL THEN 0 ELSE coalesce(lease_expires_at, 0) END
    WHEN 'ready' THEN max(coalesce(run_at, 0),
      CASE WHEN lease_owner IS NULL THEN 0 ELSE coalesce(lease_expires_at, 0) END)
    WHEN 'waiting' THEN CASE WHEN run_at IS NULL THEN NULL ELSE max(run_at,
      CASE WHEN lease_owner IS NULL THEN 0 ELSE coalesce(lease_expires_at, 0) END) END
    ELSE NULL END`;

/** Deletes the blob a payload column referenced once the column no longer references it. */
function blobCleanup(column: string, onUpdate: boolean): string {
  const changed = onUpdate ? ` AND OLD.${column} IS NOT NEW.${column}` : '';
  return `DELETE FROM blobs WHERE OLD.${column} GLOB '@blob:*'${changed} AND id = substr(OLD.${column}, 7);`;
}

function blobTriggers(table: string, columns: readonly string[]): string {
  const anyBlob = columns.map((c) => `OLD.${c} GLOB '@blob:*'`).join(' OR ');
  return `
CREATE TRIGGER ${table}_blobs_update AFTER UPDATE OF ${columns.join(', ')} ON ${table}
  WHEN ${anyBlob}
BEGIN
  ${columns.map((c) => blobCleanup(c, true)).join('\n  ')}
END;
CREATE TRIGGER ${table}_blobs_delete AFTER DELETE ON ${table}
  WHEN ${anyBlob}
BEGIN
  ${columns.map((c) => blobCleanup(c, false)).join('\n  ')}
END;`;
}

/** Every schema version, oldest first. Append only: never edit a released migration. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'journal',
    sql: `
CREATE TABLE workflows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  active INTEGER NOT NULL,
  current_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE workflow_versions (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, version)
);
CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  size INTEGER NOT NULL
);
CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  workflow_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  seq INTEGER NOT NULL,
  trigger_node_id TEXT NOT NULL,
  input TEXT,
  output TEXT,
  error TEXT,
  response TEXT,
  parent_execution_id TEXT,
  parent_step_key TEXT,
  depth INTEGER NOT NULL,
  rerun_of TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX executions_created ON executions (created_at, id);
CREATE INDEX executions_workflow ON executions (workflow_id, created_at, id);
CREATE INDEX executions_status ON executions (status, created_at, id);
CREATE INDEX executions_parent ON executions (parent_execution_id, parent_step_key)
  WHERE parent_execution_id IS NOT NULL;
CREATE TABLE steps (
  execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  node_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  run_at INTEGER,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  input TEXT,
  output TEXT,
  port TEXT,
  error TEXT,
  state TEXT,
  started_at INTEGER,
  finished_at INTEGER,
  duration_ms INTEGER,
  claim_at INTEGER GENERATED ALWAYS AS (${CLAIM_AT}) VIRTUAL,
  PRIMARY KEY (execution_id, key)
);
-- Only claimable rows are indexed: final steps and untimed waits cost nothing here.
CREATE INDEX steps_claim ON steps (claim_at) WHERE claim_at IS NOT NULL;
CREATE INDEX steps_active ON steps (status, execution_id)
  WHERE status IN ('ready','running','waiting');
CREATE INDEX steps_lease_owner ON steps (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE TABLE waits (
  execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  step_key TEXT NOT NULL,
  event_name TEXT NOT NULL,
  correlation_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (execution_id, step_key, event_name, correlation_key)
);
CREATE INDEX waits_event ON waits (event_name, correlation_key);
${blobTriggers('executions', ['input', 'output', 'response'])}
${blobTriggers('steps', ['input', 'output', 'state'])}
`,
  },
  {
    version: 2,
    name: 'compact step journal',
    // Executions whose first commit already finishes them keep their steps in one column
    // (see ARCHITECTURE.md): they are never claimed, leased or updated step by step.
    sql: `
ALTER TABLE executions ADD COLUMN steps_json TEXT;
ALTER TABLE executions ADD COLUMN steps_summary TEXT;
CREATE TRIGGER executions_steps_blobs_update AFTER UPDATE OF steps_json ON executions
  WHEN OLD.steps_json GLOB '@blob:*'
BEGIN
  ${blobCleanup('steps_json', true)}
END;
CREATE TRIGGER executions_steps_blobs_delete AFTER DELETE ON executions
  WHEN OLD.steps_json GLOB '@blob:*'
BEGIN
  ${blobCleanup('steps_json', false)}
END;
`,
  },
  // ---- versions, execution filters, retention (server API issue) ----
  {
    version: 3,
    name: 'draft and published versions, trigger type, settings, retention',
    // auto_vacuum only takes effect on a database that has tables after a VACUUM, which
    // cannot run inside this transaction: `ensureIncrementalVacuum` runs it after migrating.
    sql: `
ALTER TABLE workflows RENAME COLUMN current_version TO draft_version;
ALTER TABLE workflows ADD COLUMN published_version INTEGER;
ALTER TABLE workflows ADD COLUMN published_at INTEGER;
-- Before drafts existed, the current version was the one that ran: it is the published one.
UPDATE workflows SET published_version = draft_version, published_at = updated_at;
ALTER TABLE workflow_versions ADD COLUMN author TEXT NOT NULL DEFAULT 'system';
ALTER TABLE workflow_versions ADD COLUMN message TEXT;
ALTER TABLE executions ADD COLUMN trigger_type TEXT;
CREATE INDEX executions_finished ON executions (status, finished_at)
  WHERE finished_at IS NOT NULL;
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
PRAGMA auto_vacuum = INCREMENTAL;
`,
  },
  // ---- schedules, events, approvals ---------------------------------------------------
  {
    version: 4,
    name: 'schedules, dedupe keys, idempotency keys, wait info',
    sql: `
ALTER TABLE executions ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX executions_dedupe ON executions (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  trigger_node_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  catch_up TEXT NOT NULL,
  catch_up_limit INTEGER NOT NULL,
  next_run_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX schedules_workflow ON schedules (workflow_id);
CREATE INDEX schedules_due ON schedules (next_run_at);
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  response TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
ALTER TABLE waits ADD COLUMN info TEXT;
CREATE INDEX waits_listing ON waits (event_name, created_at, execution_id, step_key);
`,
  },
  // ---- auth, credentials, audit log, webhook deliveries -----------------------------
  {
    version: 5,
    name: 'auth, credentials, audit log, webhook deliveries',
    // Users, sessions and API keys (tokens stored as sha256); credentials encrypted by the
    // server (the store sees ciphertext only); the append-only, hash-chained audit log;
    // delivery ids of signed webhooks (replay protection).
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer','editor','admin','owner')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer','editor','admin','owner')),
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
CREATE TABLE credentials (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  fields TEXT NOT NULL,
  key_id TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  summary TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE webhook_deliveries (
  scope TEXT NOT NULL,
  id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, id)
);
CREATE INDEX webhook_deliveries_expiry ON webhook_deliveries (expires_at);
`,
  },
  // ---- in-app notifications -----------------------------------------------------------
  {
    version: 6,
    name: 'notifications',
    // One row per recipient; (user_id, key) unique so a retried step notifies once.
    sql: `
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT,
  level TEXT NOT NULL CHECK (level IN ('info','success','warning','error')),
  link TEXT,
  execution_id TEXT,
  created_at INTEGER NOT NULL,
  read_at INTEGER,
  UNIQUE (user_id, key)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, created_at DESC, id DESC)
  WHERE read_at IS NULL;
CREATE INDEX notifications_age ON notifications (created_at);
`,
  },
  CRM_MIGRATION,
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
    // 1 for a test run whose side-effecting nodes only record what they would do.
    sql: `ALTER TABLE executions ADD COLUMN simulate INTEGER;`,
  },
  {
    version: 10,
    name: 'execution deadlines',
    // settings.timeoutMs: the sweeper looks for unfinished executions past their deadline; the
    // index holds only those (the condition is the engine's DEADLINE_SQL word for word).
    sql: `
ALTER TABLE executions ADD COLUMN deadline_at INTEGER;
CREATE INDEX executions_deadline ON executions (deadline_at)
  WHERE deadline_at IS NOT NULL AND status IN ('running','paused');
`,
  },
];

/**
 * Turns on incremental auto-vacuum (so pruning can give pages back) on a database created
 * without it: the setting applies to an existing file only through a full VACUUM, run once here
 * outside any transaction. Cheap on a new database; on a large old one it rewrites the file once.
 * Returns true when it had to VACUUM.
 */
export function ensureIncrementalVacuum(db: Database): boolean {
  const INCREMENTAL = 2;
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return false;
  db.pragma('auto_vacuum = INCREMENTAL');
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return false;
  db.exec('VACUUM');
  return true;
}

/** Applies every migration newer than the database's version, in one transaction. */
export function runMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const current = row.v ?? 0;
    const pending = [...migrations]
      .sort((a, b) => a.version - b.version)
      .filter((m) => m.version > current);
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
    return pending.length;
  });
  return apply.immediate();
}
