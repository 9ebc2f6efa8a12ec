import type { FieldDefinition } from './custom-fields.js';
import type { EntityEvent, EntityEventInput } from './events.js';
import type { ListQuery, Page } from './list-query.js';
import type { Pipeline } from './pipelines.js';
import type { RecordType } from './records.js';

/** A record as stored: its fields by name (see `TABLE_SPECS`). */
export type StoredRecord = Record<string, unknown> & { id: string };

/** One full-text hit. */
export interface SearchHit {
  type: RecordType;
  id: string;
  title: string;
  /** The record an activity or task belongs to. */
  recordType?: string | null;
  recordId?: string | null;
  /** Lower is better (the engine's rank). */
  rank: number;
}

/** An execution that touched a record: started by its event, or a `crm.*` step wrote it. */
export interface RecordExecutionLink {
  recordType: RecordType;
  recordId: string;
  executionId: string;
  workflowId: string;
  source: 'trigger' | 'step';
  createdAt: number;
}

/** The outcome of an update callback: the new record and its event, or nothing to do. */
export type UpdateDecision = { record: StoredRecord; event: EntityEventInput } | undefined;

/** What `eraseContact` removed. */
export interface ErasureResult {
  contact: StoredRecord | undefined;
  activities: number;
  tasks: number;
  events: number;
  /** Deals that named the contact: their `contactId` is cleared. */
  deals: number;
  /** Executions linked to the contact (their journals are scrubbed by the caller). */
  executions: RecordExecutionLink[];
}

/**
 * The CRM's storage port, declared here and implemented by `SqliteStore.crm` and
 * `PostgresStore.crm`. Every record change is written in ONE transaction with its entity
 * event (the outbox), so an event exists exactly when its change does.
 */
export interface CrmStore {
  /** Inserts a record and its `created` event. */
  insertRecord(input: {
    type: RecordType;
    record: StoredRecord;
    event: EntityEventInput;
  }): Promise<void>;
  /**
   * Reads the record under a write lock and calls `decide` with it (synchronously, inside the
   * transaction); writes the decision's record and event. `decide` may throw to refuse (a
   * stage rule): nothing is written. Returns undefined when there is no such record.
   */
  updateRecord(input: {
    type: RecordType;
    id: string;
    decide: (current: StoredRecord) => UpdateDecision;
  }): Promise<{ before: StoredRecord; after: StoredRecord; event?: EntityEvent } | undefined>;
  /** Deletes a record and writes its `deleted` event; undefined when there is none. */
  deleteRecord(input: {
    type: RecordType;
    id: string;
    event: (current: StoredRecord) => EntityEventInput;
  }): Promise<StoredRecord | undefined>;
  getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined>;
  /** A page of records (keyset pagination on the sort field and id). */
  listRecords(type: RecordType, query: ListQuery): Promise<Page<StoredRecord>>;
  /** Full-text search (prefix match of every word) over names, emails and notes. */
  search(input: {
    text: string;
    types: readonly RecordType[];
    limit: number;
  }): Promise<SearchHit[]>;
  /** Bulk insert without events (seeding and imports), in batches of one transaction each. */
  importRecords(input: { type: RecordType; records: readonly StoredRecord[] }): Promise<void>;

  listPipelines(): Promise<Pipeline[]>;
  getPipeline(id: string): Promise<Pipeline | undefined>;
  /** Inserts or replaces a pipeline. */
  putPipeline(pipeline: Pipeline): Promise<void>;
  deletePipeline(id: string): Promise<boolean>;

  listFieldDefinitions(recordType?: RecordType): Promise<FieldDefinition[]>;
  putFieldDefinition(definition: FieldDefinition, now: number): Promise<void>;
  deleteFieldDefinition(recordType: RecordType, key: string): Promise<boolean>;

  /**
   * Claims up to `limit` undispatched events, oldest first, for `leaseMs` (events claimed by a
   * dispatcher that died are claimed again once the lease ends). PostgreSQL: SKIP LOCKED.
   */
  claimEvents(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<EntityEvent[]>;
  /** Marks events dispatched. */
  completeEvents(ids: readonly string[]): Promise<void>;
  /** Events in `seq` order, optionally of one record. */
  listEvents(query: {
    recordType?: RecordType;
    recordId?: string;
    afterSeq?: number;
    limit: number;
  }): Promise<EntityEvent[]>;

  /** Records that an execution touched a record (idempotent). */
  linkExecution(link: RecordExecutionLink): Promise<void>;
  /** Executions that touched a record, newest first. */
  listExecutionLinks(recordType: RecordType, recordId: string): Promise<RecordExecutionLink[]>;

  /** Increments a named counter and returns its new value (round-robin assignment). */
  nextCounter(key: string): Promise<number>;

  /**
   * Erases a contact in one transaction: the contact, the activities and tasks linked to it,
   * and its entity events are deleted; deals naming it get `contactId` null. Execution links
   * are returned (and kept, as ids only) so the caller can scrub the journals.
   */
  eraseContact(id: string): Promise<ErasureResult>;
}
