import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/**
 * Params of `trigger.event`: the event name, an optional correlation key the event must
 * carry, and an optional condition (a `{{ }}` template over the event, truthy to start).
 */
export const eventTriggerParams = z.object({
  event: z.string().min(1).max(200).describe('Name of the event that starts the workflow'),
  correlationKey: z
    .union([z.string().min(1).max(1000), z.number()])
    .describe('Only events carrying this correlation key start it')
    .transform(String)
    .optional(),
  condition: z
    .unknown()
    .optional()
    .describe('A {{ }} template over the event; the workflow starts when it is truthy'),
});
export type EventTriggerParams = z.output<typeof eventTriggerParams>;

/**
 * Starts the workflow when `POST /api/v1/events` delivers an event with this name (and key,
 * and condition). Its input, and output, is `{ name, correlationKey, payload, receivedAt }`.
 */
export const eventTrigger = defineNode({
  type: 'trigger.event',
  name: 'Event',
  group: 'trigger',
  description: 'Starts the workflow when a named event is posted to the events API.',
  icon: 'radio',
  params: eventTriggerParams,
  sideEffects: false,
  trigger: true,
  run: (ctx) => ctx.input,
});
