import { z } from 'zod';
import type { JsonValue } from '@flowstate/core';
import { RECORD_TYPES, type RecordType } from './records.js';

/** What happened to a record. */
export const ENTITY_EVENT_KINDS = ['created', 'updated', 'deleted', 'stage_changed'] as const;
export type EntityEventKind = (typeof ENTITY_EVENT_KINDS)[number];

/**
 * An entity event: written in the same transaction as the change it describes (the outbox),
 * then dispatched to the workflows whose `trigger.entity` matches. A stage change is one
 * `stage_changed` event (its `changed` includes `stage`), not an `updated` one too.
 */
export const EntityEventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    recordType: z.enum(RECORD_TYPES),
    recordId: z.string(),
    event: z.enum(ENTITY_EVENT_KINDS),
    /** Fields whose value changed (all fields on `created`). */
    changed: z.array(z.string()),
    /** The record after the change (before it, for `deleted`). */
    record: z.record(z.string(), z.unknown()),
    /** The record before the change (updates and stage changes). */
    previous: z.record(z.string(), z.unknown()).nullable(),
    /** Who made the change: `user:<id>`, `execution:<id>`, `system`. */
    actor: z.string(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'CrmEntityEvent' });
export type EntityEvent = z.infer<typeof EntityEventSchema>;

/** An event as the service hands it to the store (the store assigns `seq`). */
export type EntityEventInput = Omit<EntityEvent, 'seq'>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Fields whose value differs between two versions of a record (`custom.<key>` for custom ones). */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'updatedAt' || key === 'custom') continue;
    if (!same(before[key], after[key])) changed.push(key);
  }
  const a = (before['custom'] ?? {}) as Record<string, unknown>;
  const b = (after['custom'] ?? {}) as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!same(a[key], b[key])) changed.push(`custom.${key}`);
  }
  return changed;
}

/** The trigger output of an entity event: what `$trigger` holds in the started workflow. */
export function entityTriggerOutput(event: EntityEvent): JsonValue {
  return {
    eventId: event.id,
    type: event.recordType,
    event: event.event,
    id: event.recordId,
    changed: event.changed,
    record: event.record as JsonValue,
    previous: event.previous as JsonValue,
    actor: event.actor,
    at: new Date(event.createdAt).toISOString(),
  };
}

/** The kind of event a change is: a stage change when `stage` changed. */
export function updateKind(changed: readonly string[]): EntityEventKind {
  return changed.includes('stage') ? 'stage_changed' : 'updated';
}

/** Record types, re-exported for event filters. */
export type { RecordType };
