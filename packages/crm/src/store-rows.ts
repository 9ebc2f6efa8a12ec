import type { RecordExecutionLink } from './crm-store.js';
import type { EntityEvent } from './events.js';
import { PipelineSchema, type Pipeline } from './pipelines.js';
import type { RecordType } from './records.js';

/**
 * Row shapes of the CRM tables that both SQL stores share, and their mapping to domain
 * values. Times and sequence numbers go through `Number`: PostgreSQL's driver returns
 * `bigint` columns as strings.
 */

/** A `crm_events` row. */
export interface EventRow {
  seq: number | string;
  id: string;
  record_type: string;
  record_id: string;
  event: string;
  changed: string;
  record: string;
  previous: string | null;
  actor: string;
  created_at: number | string;
}

/** An entity event from its row. */
export function toEvent(row: EventRow): EntityEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    recordType: row.record_type as RecordType,
    recordId: row.record_id,
    event: row.event as EntityEvent['event'],
    changed: JSON.parse(row.changed) as string[],
    record: JSON.parse(row.record) as Record<string, unknown>,
    previous: row.previous === null ? null : (JSON.parse(row.previous) as Record<string, unknown>),
    actor: row.actor,
    createdAt: Number(row.created_at),
  };
}

/** A `crm_execution_links` row. */
export interface LinkRow {
  record_type: string;
  record_id: string;
  execution_id: string;
  workflow_id: string;
  source: string;
  created_at: number | string;
}

/** A record-to-execution link from its row. */
export function toLink(row: LinkRow): RecordExecutionLink {
  return {
    recordType: row.record_type as RecordType,
    recordId: row.record_id,
    executionId: row.execution_id,
    workflowId: row.workflow_id,
    source: row.source as RecordExecutionLink['source'],
    createdAt: Number(row.created_at),
  };
}

/** A `crm_pipelines` row. */
export interface PipelineRow {
  id: string;
  name: string;
  record_type: string;
  stages: string;
  created_at: number | string;
  updated_at: number | string;
}

/** A pipeline from its row, checked against its schema. */
export function toPipeline(row: PipelineRow): Pipeline {
  return PipelineSchema.parse({
    id: row.id,
    name: row.name,
    recordType: row.record_type,
    stages: JSON.parse(row.stages),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });
}
