import type { RecordType } from './records.js';

/** How a field is stored: text, integer (epoch ms, counts), real, or JSON text. */
export type ColumnKind = 'text' | 'int' | 'real' | 'json';

/** One field of a record and its column. */
export interface ColumnSpec {
  field: string;
  column: string;
  kind: ColumnKind;
}

/** A record type's table: its columns, the indexed fields lists may filter and sort on. */
export interface TableSpec {
  table: string;
  columns: readonly ColumnSpec[];
  /** Fields with an index: allowed in list filters. */
  filterable: readonly string[];
  /** Non-null fields with an `(field, id)` index: allowed as the list sort. */
  sortable: readonly string[];
  /** Fields the full-text index covers (names, emails, notes). */
  searchable: readonly string[];
}

const col = (field: string, kind: ColumnKind = 'text'): ColumnSpec => ({
  field,
  column: field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  kind,
});
const base = [col('id'), col('createdAt', 'int'), col('updatedAt', 'int')];

/**
 * The tables of the CRM, shared by both stores so they agree on columns, indexes and which
 * fields lists may filter and sort on. Migrations create an index for every filterable and
 * sortable field (see the stores' CRM migrations).
 */
export const TABLE_SPECS: Readonly<Record<RecordType, TableSpec>> = {
  contact: {
    table: 'crm_contacts',
    columns: [
      ...base,
      col('name'),
      col('email'),
      col('phone'),
      col('companyId'),
      col('ownerId'),
      col('pipelineId'),
      col('stage'),
      col('stageChangedAt', 'int'),
      col('score', 'real'),
      col('source'),
      col('notes'),
      col('lastActivityAt', 'int'),
      col('custom', 'json'),
    ],
    filterable: [
      'email',
      'companyId',
      'ownerId',
      'pipelineId',
      'stage',
      'score',
      'createdAt',
      'updatedAt',
      'stageChangedAt',
    ],
    sortable: ['createdAt', 'updatedAt', 'name', 'score', 'stageChangedAt'],
    searchable: ['name', 'email', 'notes'],
  },
  company: {
    table: 'crm_companies',
    columns: [
      ...base,
      col('name'),
      col('domain'),
      col('ownerId'),
      col('notes'),
      col('custom', 'json'),
    ],
    filterable: ['domain', 'ownerId', 'createdAt', 'updatedAt'],
    sortable: ['createdAt', 'updatedAt', 'name'],
    searchable: ['name', 'domain', 'notes'],
  },
  deal: {
    table: 'crm_deals',
    columns: [
      ...base,
      col('name'),
      col('contactId'),
      col('companyId'),
      col('pipelineId'),
      col('stage'),
      col('stageChangedAt', 'int'),
      col('amount', 'real'),
      col('currency'),
      col('ownerId'),
      col('closeDate'),
      col('notes'),
      col('custom', 'json'),
    ],
    filterable: [
      'contactId',
      'companyId',
      'pipelineId',
      'stage',
      'ownerId',
      'amount',
      'createdAt',
      'updatedAt',
      'stageChangedAt',
    ],
    sortable: ['createdAt', 'updatedAt', 'name', 'amount', 'stageChangedAt'],
    searchable: ['name', 'notes'],
  },
  task: {
    table: 'crm_tasks',
    columns: [
      ...base,
      col('title'),
      col('dueAt', 'int'),
      col('priority', 'int'),
      col('assigneeId'),
      col('status'),
      col('recordType'),
      col('recordId'),
      col('notes'),
      col('completedAt', 'int'),
      col('custom', 'json'),
    ],
    filterable: [
      'assigneeId',
      'status',
      'priority',
      'dueAt',
      'recordType',
      'recordId',
      'createdAt',
      'updatedAt',
    ],
    sortable: ['createdAt', 'updatedAt', 'dueAt', 'priority'],
    searchable: ['title', 'notes'],
  },
  activity: {
    table: 'crm_activities',
    columns: [
      ...base,
      col('kind'),
      col('recordType'),
      col('recordId'),
      col('subject'),
      col('body'),
      col('occurredAt', 'int'),
      col('actorId'),
      col('custom', 'json'),
    ],
    filterable: ['kind', 'recordType', 'recordId', 'actorId', 'occurredAt', 'createdAt'],
    sortable: ['createdAt', 'occurredAt'],
    searchable: ['subject', 'body'],
  },
};

/** The column of `field` in `type`'s table (throws on an unknown field: a bug). */
export function columnOf(type: RecordType, field: string): ColumnSpec {
  const spec = TABLE_SPECS[type].columns.find((c) => c.field === field);
  if (spec === undefined) throw new Error(`No column for ${type}.${field}`);
  return spec;
}
