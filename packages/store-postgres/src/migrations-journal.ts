import type { Migration } from './migrations.js';

const LEASE_UNTIL = `CASE WHEN lease_owner IS NULL THEN 0 ELSE coalesce(lease_expires_at, 0) END`;

/**
 * Earliest time at which a step can be claimed, NULL when it never can (final steps,
 * untimed waits). A live lease pushes it to the lease's expiry. Same rule as SQLite's.
 */
const CLAIM_AT = `CASE status
    WHEN 'running' THEN ${LEASE_UNTIL}
    WHEN 'ready' THEN greatest(coalesce(run_at, 0), ${LEASE_UNTIL})
    WHEN 'waiting' THEN CASE WHEN run_at IS NULL THEN NULL ELSE greatest(run_at, ${LEASE_UNTIL}) END
    ELSE NULL END`;

/**
 * A trigger function deleting the blobs that `columns` of a row referenced once the row is
 * deleted or the column no longer references them (`@blob:<uuid>`, see payload-codec.ts).
 */
function blobCleanup(table: string, columns: readonly string[]): string {
  const blobId = (ref: string) =>
    `CASE WHEN ${ref} LIKE '@blob:%' THEN substr(${ref}, 7)::uuid END`;
  const dropped = columns.map(
    (c) => `CASE WHEN TG_OP = 'DELETE' OR OLD.${c} IS DISTINCT FROM NEW.${c}
      THEN ${blobId(`OLD.${c}`)} END`,
  );
  const anyBlob = columns.map((c) => `OLD.${c} LIKE '@blob:%'`).join(' OR ');
  return `
CREATE FUNCTION ${table}_drop_blobs() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM blobs WHERE id IN (${dropped.join(',\n    ')});
  RETURN NULL;
END $fn$;
CREATE TRIGGER ${table}_blobs_update AFTER UPDATE OF ${columns.join(', ')} ON ${table}
  FOR EACH ROW WHEN (${anyBlob}) EXECUTE FUNCTION ${table}_drop_blobs();
CREATE TRIGGER ${table}_blobs_delete AFTER DELETE ON ${table}
  FOR EACH ROW WHEN (${anyBlob}) EXECUTE FUNCTION ${table}_drop_blobs();`;
}

/** Version 1: the journal (workflows, versions, executions, steps, waits, blobs). */
export const JOURNAL_MIGRATION: Migration = {
  version: 1,
  name: 'journal',
  // Times are epoch milliseconds (bigint); payloads are JSON text (see ARCHITECTURE.md);
  // ids sort bytewise (COLLATE "C"), as in SQLite, whatever the database's locale.
  sql: `
CREATE TABLE workflows (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  active boolean NOT NULL,
  current_version integer NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE workflow_versions (
  workflow_id text COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  version integer NOT NULL,
  definition text NOT NULL,
  hash text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (workflow_id, version)
);
CREATE TABLE blobs (
  id uuid PRIMARY KEY,
  data text NOT NULL,
  size integer NOT NULL
);
CREATE TABLE executions (
  id text COLLATE "C" PRIMARY KEY,
  workflow_id text COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  workflow_version integer NOT NULL,
  status text NOT NULL
    CHECK (status IN ('running','paused','succeeded','failed','cancelled')),
  seq integer NOT NULL,
  trigger_node_id text NOT NULL,
  input text,
  output text,
  error text,
  response text,
  parent_execution_id text COLLATE "C",
  parent_step_key text,
  depth integer NOT NULL,
  rerun_of text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  finished_at bigint
);
CREATE INDEX executions_created ON executions (created_at, id);
CREATE INDEX executions_workflow ON executions (workflow_id, created_at, id);
CREATE INDEX executions_status ON executions (status, created_at, id);
CREATE INDEX executions_parent ON executions (parent_execution_id, parent_step_key)
  WHERE parent_execution_id IS NOT NULL;
CREATE TABLE steps (
  -- Insertion order: loadExecution returns steps in the order they were first written.
  position bigint GENERATED ALWAYS AS IDENTITY,
  execution_id text COLLATE "C" NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  key text COLLATE "C" NOT NULL,
  node_id text NOT NULL,
  status text NOT NULL
    CHECK (status IN ('ready','running','waiting','succeeded','failed','skipped','cancelled')),
  attempt integer NOT NULL,
  run_at bigint,
  lease_owner text,
  lease_expires_at bigint,
  input text,
  output text,
  port text,
  error text,
  state text,
  started_at bigint,
  finished_at bigint,
  duration_ms double precision,
  claim_at bigint GENERATED ALWAYS AS (${CLAIM_AT}) STORED,
  PRIMARY KEY (execution_id, key)
);
-- Only claimable rows are indexed: final steps and untimed waits cost nothing here.
CREATE INDEX steps_claim ON steps (claim_at) WHERE claim_at IS NOT NULL;
CREATE INDEX steps_active ON steps (execution_id)
  WHERE status IN ('ready','running','waiting');
CREATE INDEX steps_lease_owner ON steps (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE TABLE waits (
  execution_id text COLLATE "C" NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  step_key text COLLATE "C" NOT NULL,
  event_name text NOT NULL,
  correlation_key text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (execution_id, step_key, event_name, correlation_key)
);
CREATE INDEX waits_event ON waits (event_name, correlation_key);
-- A payload column's JSON text, read from blobs when the column references one; a reference
-- whose blob is missing is returned as it is (the store then reports STORE_BLOB_MISSING).
CREATE FUNCTION payload_text(ref text) RETURNS text LANGUAGE sql STABLE AS $fn$
  SELECT CASE WHEN ref LIKE '@blob:%'
    THEN coalesce((SELECT data FROM blobs WHERE id = substr(ref, 7)::uuid), ref)
    ELSE ref END
$fn$;
${blobCleanup('executions', ['input', 'output', 'response'])}
${blobCleanup('steps', ['input', 'output', 'state'])}
`,
};
