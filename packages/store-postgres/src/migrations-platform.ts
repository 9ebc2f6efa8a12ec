import type { Migration } from './migrations.js';

/** Roles a user or an API key may have (kept in sync with `ROLES`). */
const ROLE_CHECK = `CHECK (role IN ('viewer','editor','admin','owner'))`;

/**
 * The schema after the journal: the same tables and rules as SQLite's migrations 3 to 5, in
 * three versions of their own. Append only: never edit a released migration.
 */
export const PLATFORM_MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    name: 'draft and published versions, trigger type, settings, retention',
    sql: `
ALTER TABLE workflows RENAME COLUMN current_version TO draft_version;
ALTER TABLE workflows ADD COLUMN published_version integer;
ALTER TABLE workflows ADD COLUMN published_at bigint;
-- Before drafts existed, the current version was the one that ran: it is the published one.
UPDATE workflows SET published_version = draft_version, published_at = updated_at;
ALTER TABLE workflow_versions ADD COLUMN author text NOT NULL DEFAULT 'system';
ALTER TABLE workflow_versions ADD COLUMN message text;
ALTER TABLE executions ADD COLUMN trigger_type text;
CREATE INDEX executions_finished ON executions (status, finished_at)
  WHERE finished_at IS NOT NULL;
CREATE TABLE settings (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL,
  updated_at bigint NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'schedules, dedupe keys, idempotency keys, wait info',
    sql: `
ALTER TABLE executions ADD COLUMN dedupe_key text;
CREATE UNIQUE INDEX executions_dedupe ON executions (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE TABLE schedules (
  id text COLLATE "C" PRIMARY KEY,
  workflow_id text COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  trigger_node_id text NOT NULL,
  version integer NOT NULL,
  cron text NOT NULL,
  timezone text NOT NULL,
  catch_up text NOT NULL CHECK (catch_up IN ('skip','once','all')),
  catch_up_limit integer NOT NULL,
  next_run_at bigint NOT NULL,
  lease_owner text,
  lease_expires_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX schedules_workflow ON schedules (workflow_id);
CREATE INDEX schedules_due ON schedules (next_run_at);
CREATE TABLE idempotency_keys (
  scope text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending','done')),
  response text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
ALTER TABLE waits ADD COLUMN info text;
CREATE INDEX waits_listing ON waits (event_name, created_at, execution_id, step_key);
`,
  },
  {
    version: 4,
    name: 'auth, credentials, audit log, webhook deliveries',
    // Users, sessions and API keys (tokens stored as sha256); credentials encrypted by the
    // server (the store sees ciphertext only); the append-only, hash-chained audit log, whose
    // triggers refuse UPDATE, DELETE and TRUNCATE; delivery ids of signed webhooks.
    sql: `
CREATE TABLE users (
  id text COLLATE "C" PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  role text NOT NULL ${ROLE_CHECK},
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_hash text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE api_keys (
  id text COLLATE "C" PRIMARY KEY,
  user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL,
  role text NOT NULL ${ROLE_CHECK},
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint,
  last_used_at bigint,
  revoked_at bigint
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
CREATE TABLE credentials (
  id text COLLATE "C" PRIMARY KEY,
  name text COLLATE "C" NOT NULL UNIQUE,
  type text NOT NULL,
  fields text NOT NULL,
  key_id text NOT NULL,
  ciphertext text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  summary text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $fn$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TABLE webhook_deliveries (
  scope text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (scope, id)
);
CREATE INDEX webhook_deliveries_expiry ON webhook_deliveries (expires_at);
`,
  },
];
