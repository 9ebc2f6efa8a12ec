import { z } from 'zod';
import { evaluateExpression, type JsonValue } from '@flowstate/core';
import { defineNode } from '@flowstate/sdk';
import { ENTITY_EVENT_KINDS, entityTriggerOutput, type EntityEvent } from './events.js';
import { RECORD_TYPES } from './records.js';

/**
 * Params of `trigger.entity`: the record type, the events (default all), optionally fields of
 * which at least one must have changed, a target stage, and a `where` JSONata predicate over
 * the trigger output (`record`, `previous`, `changed`, ...).
 */
export const entityTriggerParams = z.object({
  recordType: z.enum(RECORD_TYPES),
  events: z
    .array(z.enum(ENTITY_EVENT_KINDS))
    .min(1)
    .default([...ENTITY_EVENT_KINDS]),
  changed: z.array(z.string().min(1).max(100)).max(50).optional(),
  stage: z.string().min(1).max(100).optional(),
  where: z.string().min(1).max(2000).optional(),
});
export type EntityTriggerParams = z.output<typeof entityTriggerParams>;

/** Node type of the entity trigger. */
export const ENTITY_TRIGGER_TYPE = 'trigger.entity';

/**
 * Starts the workflow when a CRM record is created, updated, deleted or changes stage. Its
 * output is the event: `{ eventId, type, event, id, changed, record, previous, actor, at }`.
 */
export const entityTrigger = defineNode({
  type: ENTITY_TRIGGER_TYPE,
  name: 'CRM record changed',
  group: 'trigger',
  description: 'Starts the workflow when a CRM record is created, updated, deleted or moves stage.',
  icon: 'contact',
  params: entityTriggerParams,
  rawParams: ['where'],
  sideEffects: false,
  trigger: true,
  run: (ctx) => ctx.input,
});

/** The parts of a trigger's params that need no evaluation: type, event, changed fields, stage. */
export function entityTriggerMatchesStatic(
  params: EntityTriggerParams,
  event: EntityEvent,
): boolean {
  if (params.recordType !== event.recordType) return false;
  if (!params.events.includes(event.event)) return false;
  if (
    params.changed !== undefined &&
    !params.changed.some((field) => event.changed.includes(field))
  )
    return false;
  if (params.stage !== undefined && event.record['stage'] !== params.stage) return false;
  return true;
}

/**
 * Whether an event starts a workflow with these trigger params. The `where` predicate sees the
 * trigger output as its input (`record.score > 50`); an error in it means no match.
 */
export async function entityTriggerMatches(
  params: EntityTriggerParams,
  event: EntityEvent,
  context: { workflowId: string; now: number },
): Promise<boolean> {
  if (!entityTriggerMatchesStatic(params, event)) return false;
  if (params.where === undefined) return true;
  const input = entityTriggerOutput(event);
  const value: JsonValue = await evaluateExpression(params.where, {
    trigger: input,
    steps: {},
    input,
    vars: {},
    execution: { id: `entity-${event.id}`, workflowId: context.workflowId },
    now: new Date(context.now).toISOString(),
  });
  return (
    value !== null &&
    value !== false &&
    value !== 0 &&
    value !== '' &&
    !(Array.isArray(value) && value.length === 0)
  );
}
