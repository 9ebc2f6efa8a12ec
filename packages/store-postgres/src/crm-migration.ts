import type { Migration } from './migrations.js';

/**
 * The CRM's tables (see `@flowstate/crm` TABLE_SPECS): contacts, companies, deals, tasks and
 * activities with an index per filterable or sortable field (keyset pagination on
 * `(field, id)`, plus the composite indexes of the common list views), full-text search over
 * names, emails and notes (a generated tsvector column with a GIN index), pipelines, custom field definitions, the entity-event
 * outbox, links from records to the executions that touched them, and round-robin counters.
 */
export const CRM_MIGRATION: Migration = {
  version: 6,
  name: 'crm: records, pipelines, entity events, execution links',
  sql: `
CREATE TABLE crm_contacts (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  name text COLLATE "C" NOT NULL,
  email text COLLATE "C",
  phone text COLLATE "C",
  company_id text COLLATE "C",
  owner_id text COLLATE "C",
  pipeline_id text COLLATE "C",
  stage text COLLATE "C",
  stage_changed_at bigint NOT NULL,
  score double precision NOT NULL,
  source text COLLATE "C",
  notes text COLLATE "C",
  last_activity_at bigint,
  custom text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', translate(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(notes, ''), '@._-+/:', '       '))) STORED
);
CREATE INDEX crm_contacts_created_at ON crm_contacts (created_at, id);
CREATE INDEX crm_contacts_updated_at ON crm_contacts (updated_at, id);
CREATE INDEX crm_contacts_name ON crm_contacts (name, id);
CREATE INDEX crm_contacts_score ON crm_contacts (score, id);
CREATE INDEX crm_contacts_stage_changed_at ON crm_contacts (stage_changed_at, id);
CREATE INDEX crm_contacts_email ON crm_contacts (email, id);
CREATE INDEX crm_contacts_company_id ON crm_contacts (company_id, id);
CREATE INDEX crm_contacts_owner_id ON crm_contacts (owner_id, id);
CREATE INDEX crm_contacts_pipeline_id ON crm_contacts (pipeline_id, id);
CREATE INDEX crm_contacts_stage ON crm_contacts (stage, id);
CREATE INDEX crm_contacts_owner_id_score ON crm_contacts (owner_id, score, id);
CREATE INDEX crm_contacts_pipeline_id_stage_stage_changed_at ON crm_contacts (pipeline_id, stage, stage_changed_at, id);
CREATE INDEX crm_contacts_owner_id_created_at ON crm_contacts (owner_id, created_at, id);
CREATE INDEX crm_contacts_search ON crm_contacts USING gin (search);
CREATE TABLE crm_companies (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  name text COLLATE "C" NOT NULL,
  domain text COLLATE "C",
  owner_id text COLLATE "C",
  notes text COLLATE "C",
  custom text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', translate(coalesce(name, '') || ' ' || coalesce(domain, '') || ' ' || coalesce(notes, ''), '@._-+/:', '       '))) STORED
);
CREATE INDEX crm_companies_created_at ON crm_companies (created_at, id);
CREATE INDEX crm_companies_updated_at ON crm_companies (updated_at, id);
CREATE INDEX crm_companies_name ON crm_companies (name, id);
CREATE INDEX crm_companies_domain ON crm_companies (domain, id);
CREATE INDEX crm_companies_owner_id ON crm_companies (owner_id, id);
CREATE INDEX crm_companies_search ON crm_companies USING gin (search);
CREATE TABLE crm_deals (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  name text COLLATE "C" NOT NULL,
  contact_id text COLLATE "C",
  company_id text COLLATE "C",
  pipeline_id text COLLATE "C" NOT NULL,
  stage text COLLATE "C" NOT NULL,
  stage_changed_at bigint NOT NULL,
  amount double precision NOT NULL,
  currency text COLLATE "C",
  owner_id text COLLATE "C",
  close_date text COLLATE "C",
  notes text COLLATE "C",
  custom text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', translate(coalesce(name, '') || ' ' || coalesce(notes, ''), '@._-+/:', '       '))) STORED
);
CREATE INDEX crm_deals_created_at ON crm_deals (created_at, id);
CREATE INDEX crm_deals_updated_at ON crm_deals (updated_at, id);
CREATE INDEX crm_deals_name ON crm_deals (name, id);
CREATE INDEX crm_deals_amount ON crm_deals (amount, id);
CREATE INDEX crm_deals_stage_changed_at ON crm_deals (stage_changed_at, id);
CREATE INDEX crm_deals_contact_id ON crm_deals (contact_id, id);
CREATE INDEX crm_deals_company_id ON crm_deals (company_id, id);
CREATE INDEX crm_deals_pipeline_id ON crm_deals (pipeline_id, id);
CREATE INDEX crm_deals_stage ON crm_deals (stage, id);
CREATE INDEX crm_deals_owner_id ON crm_deals (owner_id, id);
CREATE INDEX crm_deals_pipeline_id_stage_stage_changed_at ON crm_deals (pipeline_id, stage, stage_changed_at, id);
CREATE INDEX crm_deals_owner_id_stage_changed_at ON crm_deals (owner_id, stage_changed_at, id);
CREATE INDEX crm_deals_search ON crm_deals USING gin (search);
CREATE TABLE crm_tasks (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  title text COLLATE "C" NOT NULL,
  due_at bigint NOT NULL,
  priority bigint NOT NULL,
  assignee_id text COLLATE "C",
  status text COLLATE "C" NOT NULL,
  record_type text COLLATE "C",
  record_id text COLLATE "C",
  notes text COLLATE "C",
  completed_at bigint,
  custom text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', translate(coalesce(title, '') || ' ' || coalesce(notes, ''), '@._-+/:', '       '))) STORED
);
CREATE INDEX crm_tasks_created_at ON crm_tasks (created_at, id);
CREATE INDEX crm_tasks_updated_at ON crm_tasks (updated_at, id);
CREATE INDEX crm_tasks_due_at ON crm_tasks (due_at, id);
CREATE INDEX crm_tasks_priority ON crm_tasks (priority, id);
CREATE INDEX crm_tasks_assignee_id ON crm_tasks (assignee_id, id);
CREATE INDEX crm_tasks_status ON crm_tasks (status, id);
CREATE INDEX crm_tasks_record_type ON crm_tasks (record_type, id);
CREATE INDEX crm_tasks_record_id ON crm_tasks (record_id, id);
CREATE INDEX crm_tasks_assignee_id_status_due_at ON crm_tasks (assignee_id, status, due_at, id);
CREATE INDEX crm_tasks_status_due_at ON crm_tasks (status, due_at, id);
CREATE INDEX crm_tasks_assignee_id_due_at ON crm_tasks (assignee_id, due_at, id);
CREATE INDEX crm_tasks_assignee_id_priority ON crm_tasks (assignee_id, priority, id);
CREATE INDEX crm_tasks_status_priority ON crm_tasks (status, priority, id);
CREATE INDEX crm_tasks_record_type_record_id_due_at ON crm_tasks (record_type, record_id, due_at, id);
CREATE INDEX crm_tasks_search ON crm_tasks USING gin (search);
CREATE TABLE crm_activities (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  kind text COLLATE "C" NOT NULL,
  record_type text COLLATE "C" NOT NULL,
  record_id text COLLATE "C" NOT NULL,
  subject text COLLATE "C",
  body text COLLATE "C",
  occurred_at bigint NOT NULL,
  actor_id text COLLATE "C",
  custom text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', translate(coalesce(subject, '') || ' ' || coalesce(body, ''), '@._-+/:', '       '))) STORED
);
CREATE INDEX crm_activities_created_at ON crm_activities (created_at, id);
CREATE INDEX crm_activities_occurred_at ON crm_activities (occurred_at, id);
CREATE INDEX crm_activities_kind ON crm_activities (kind, id);
CREATE INDEX crm_activities_record_type ON crm_activities (record_type, id);
CREATE INDEX crm_activities_record_id ON crm_activities (record_id, id);
CREATE INDEX crm_activities_actor_id ON crm_activities (actor_id, id);
CREATE INDEX crm_activities_record_type_record_id_occurred_at ON crm_activities (record_type, record_id, occurred_at, id);
CREATE INDEX crm_activities_search ON crm_activities USING gin (search);
CREATE TABLE crm_pipelines (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  record_type text NOT NULL,
  stages text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE crm_field_definitions (
  record_type text NOT NULL,
  key text NOT NULL,
  definition text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (record_type, key)
);
CREATE TABLE crm_events (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  record_type text NOT NULL,
  record_id text COLLATE "C" NOT NULL,
  event text NOT NULL,
  changed text NOT NULL,
  record text NOT NULL,
  previous text,
  actor text NOT NULL,
  created_at bigint NOT NULL,
  dispatched_at bigint,
  lease_owner text,
  lease_expires_at bigint
);
CREATE INDEX crm_events_pending ON crm_events (seq) WHERE dispatched_at IS NULL;
CREATE INDEX crm_events_record ON crm_events (record_type, record_id, seq);
CREATE TABLE crm_execution_links (
  record_type text NOT NULL,
  record_id text COLLATE "C" NOT NULL,
  execution_id text COLLATE "C" NOT NULL,
  workflow_id text COLLATE "C" NOT NULL,
  source text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (record_type, record_id, execution_id)
);
CREATE INDEX crm_execution_links_execution ON crm_execution_links (execution_id);
CREATE TABLE crm_counters (
  key text PRIMARY KEY,
  value bigint NOT NULL
);
`,
};
