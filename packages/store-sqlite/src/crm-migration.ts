import type { Migration } from './migrations.js';

/**
 * The CRM's tables (see `@flowstate/crm` TABLE_SPECS): contacts, companies, deals, tasks and
 * activities with an index per filterable or sortable field (keyset pagination on
 * `(field, id)`, plus the composite indexes of the common list views), full-text search over
 * names, emails and notes (SQLite FTS5 external-content tables kept by triggers), pipelines, custom field definitions, the entity-event
 * outbox, links from records to the executions that touched them, and round-robin counters.
 */
export const CRM_MIGRATION: Migration = {
  version: 7,
  name: 'crm: records, pipelines, entity events, execution links',
  sql: `
CREATE TABLE crm_contacts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  company_id TEXT,
  owner_id TEXT,
  pipeline_id TEXT,
  stage TEXT,
  stage_changed_at INTEGER NOT NULL,
  score REAL NOT NULL,
  source TEXT,
  notes TEXT,
  last_activity_at INTEGER,
  custom TEXT NOT NULL
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
CREATE VIRTUAL TABLE crm_contacts_fts USING fts5(name, email, notes, content='crm_contacts', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER crm_contacts_fts_insert AFTER INSERT ON crm_contacts BEGIN
  INSERT INTO crm_contacts_fts (rowid, name, email, notes) VALUES (new.seq, new.name, new.email, new.notes);
END;
CREATE TRIGGER crm_contacts_fts_delete AFTER DELETE ON crm_contacts BEGIN
  INSERT INTO crm_contacts_fts (crm_contacts_fts, rowid, name, email, notes) VALUES ('delete', old.seq, old.name, old.email, old.notes);
END;
CREATE TRIGGER crm_contacts_fts_update AFTER UPDATE OF name, email, notes ON crm_contacts BEGIN
  INSERT INTO crm_contacts_fts (crm_contacts_fts, rowid, name, email, notes) VALUES ('delete', old.seq, old.name, old.email, old.notes);
  INSERT INTO crm_contacts_fts (rowid, name, email, notes) VALUES (new.seq, new.name, new.email, new.notes);
END;
CREATE TABLE crm_companies (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  domain TEXT,
  owner_id TEXT,
  notes TEXT,
  custom TEXT NOT NULL
);
CREATE INDEX crm_companies_created_at ON crm_companies (created_at, id);
CREATE INDEX crm_companies_updated_at ON crm_companies (updated_at, id);
CREATE INDEX crm_companies_name ON crm_companies (name, id);
CREATE INDEX crm_companies_domain ON crm_companies (domain, id);
CREATE INDEX crm_companies_owner_id ON crm_companies (owner_id, id);
CREATE VIRTUAL TABLE crm_companies_fts USING fts5(name, domain, notes, content='crm_companies', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER crm_companies_fts_insert AFTER INSERT ON crm_companies BEGIN
  INSERT INTO crm_companies_fts (rowid, name, domain, notes) VALUES (new.seq, new.name, new.domain, new.notes);
END;
CREATE TRIGGER crm_companies_fts_delete AFTER DELETE ON crm_companies BEGIN
  INSERT INTO crm_companies_fts (crm_companies_fts, rowid, name, domain, notes) VALUES ('delete', old.seq, old.name, old.domain, old.notes);
END;
CREATE TRIGGER crm_companies_fts_update AFTER UPDATE OF name, domain, notes ON crm_companies BEGIN
  INSERT INTO crm_companies_fts (crm_companies_fts, rowid, name, domain, notes) VALUES ('delete', old.seq, old.name, old.domain, old.notes);
  INSERT INTO crm_companies_fts (rowid, name, domain, notes) VALUES (new.seq, new.name, new.domain, new.notes);
END;
CREATE TABLE crm_deals (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  contact_id TEXT,
  company_id TEXT,
  pipeline_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  stage_changed_at INTEGER NOT NULL,
  amount REAL NOT NULL,
  currency TEXT,
  owner_id TEXT,
  close_date TEXT,
  notes TEXT,
  custom TEXT NOT NULL
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
CREATE VIRTUAL TABLE crm_deals_fts USING fts5(name, notes, content='crm_deals', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER crm_deals_fts_insert AFTER INSERT ON crm_deals BEGIN
  INSERT INTO crm_deals_fts (rowid, name, notes) VALUES (new.seq, new.name, new.notes);
END;
CREATE TRIGGER crm_deals_fts_delete AFTER DELETE ON crm_deals BEGIN
  INSERT INTO crm_deals_fts (crm_deals_fts, rowid, name, notes) VALUES ('delete', old.seq, old.name, old.notes);
END;
CREATE TRIGGER crm_deals_fts_update AFTER UPDATE OF name, notes ON crm_deals BEGIN
  INSERT INTO crm_deals_fts (crm_deals_fts, rowid, name, notes) VALUES ('delete', old.seq, old.name, old.notes);
  INSERT INTO crm_deals_fts (rowid, name, notes) VALUES (new.seq, new.name, new.notes);
END;
CREATE TABLE crm_tasks (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  title TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  assignee_id TEXT,
  status TEXT NOT NULL,
  record_type TEXT,
  record_id TEXT,
  notes TEXT,
  completed_at INTEGER,
  custom TEXT NOT NULL
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
CREATE VIRTUAL TABLE crm_tasks_fts USING fts5(title, notes, content='crm_tasks', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER crm_tasks_fts_insert AFTER INSERT ON crm_tasks BEGIN
  INSERT INTO crm_tasks_fts (rowid, title, notes) VALUES (new.seq, new.title, new.notes);
END;
CREATE TRIGGER crm_tasks_fts_delete AFTER DELETE ON crm_tasks BEGIN
  INSERT INTO crm_tasks_fts (crm_tasks_fts, rowid, title, notes) VALUES ('delete', old.seq, old.title, old.notes);
END;
CREATE TRIGGER crm_tasks_fts_update AFTER UPDATE OF title, notes ON crm_tasks BEGIN
  INSERT INTO crm_tasks_fts (crm_tasks_fts, rowid, title, notes) VALUES ('delete', old.seq, old.title, old.notes);
  INSERT INTO crm_tasks_fts (rowid, title, notes) VALUES (new.seq, new.title, new.notes);
END;
CREATE TABLE crm_activities (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  record_type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  subject TEXT,
  body TEXT,
  occurred_at INTEGER NOT NULL,
  actor_id TEXT,
  custom TEXT NOT NULL
);
CREATE INDEX crm_activities_created_at ON crm_activities (created_at, id);
CREATE INDEX crm_activities_occurred_at ON crm_activities (occurred_at, id);
CREATE INDEX crm_activities_kind ON crm_activities (kind, id);
CREATE INDEX crm_activities_record_type ON crm_activities (record_type, id);
CREATE INDEX crm_activities_record_id ON crm_activities (record_id, id);
CREATE INDEX crm_activities_actor_id ON crm_activities (actor_id, id);
CREATE INDEX crm_activities_record_type_record_id_occurred_at ON crm_activities (record_type, record_id, occurred_at, id);
CREATE VIRTUAL TABLE crm_activities_fts USING fts5(subject, body, content='crm_activities', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER crm_activities_fts_insert AFTER INSERT ON crm_activities BEGIN
  INSERT INTO crm_activities_fts (rowid, subject, body) VALUES (new.seq, new.subject, new.body);
END;
CREATE TRIGGER crm_activities_fts_delete AFTER DELETE ON crm_activities BEGIN
  INSERT INTO crm_activities_fts (crm_activities_fts, rowid, subject, body) VALUES ('delete', old.seq, old.subject, old.body);
END;
CREATE TRIGGER crm_activities_fts_update AFTER UPDATE OF subject, body ON crm_activities BEGIN
  INSERT INTO crm_activities_fts (crm_activities_fts, rowid, subject, body) VALUES ('delete', old.seq, old.subject, old.body);
  INSERT INTO crm_activities_fts (rowid, subject, body) VALUES (new.seq, new.subject, new.body);
END;
CREATE TABLE crm_pipelines (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  record_type TEXT NOT NULL,
  stages TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE crm_field_definitions (
  record_type TEXT NOT NULL,
  key TEXT NOT NULL,
  definition TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (record_type, key)
);
CREATE TABLE crm_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  record_type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  event TEXT NOT NULL,
  changed TEXT NOT NULL,
  record TEXT NOT NULL,
  previous TEXT,
  actor TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  dispatched_at INTEGER,
  lease_owner TEXT,
  lease_expires_at INTEGER
);
CREATE INDEX crm_events_pending ON crm_events (seq) WHERE dispatched_at IS NULL;
CREATE INDEX crm_events_record ON crm_events (record_type, record_id, seq);
CREATE TABLE crm_execution_links (
  record_type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (record_type, record_id, execution_id)
);
CREATE INDEX crm_execution_links_execution ON crm_execution_links (execution_id);
CREATE TABLE crm_counters (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`,
};
