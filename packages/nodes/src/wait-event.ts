import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/**
 * Pauses until an event with this name and correlation key arrives (its payload goes out of
 * `received`) or, with `timeoutMs`, until the time runs out (the input goes out of `timeout`).
 */
export const waitEvent = defineNode({
  type: 'wait.event',
  name: 'Wait for event',
  group: 'control',
  description: 'Pauses until a matching event arrives, or a timeout.',
  icon: 'bell',
  params: z.object({
    event: z.string().min(1).max(200).describe('Name of the event to wait for'),
    correlationKey: z
      .union([z.string().min(1).max(1000), z.number()])
      .describe('The key the event must carry, e.g. {{ $trigger.orderId }}')
      .transform(String),
    timeoutMs: z
      .int()
      .min(1)
      .max(366 * 86_400_000)
      .optional()
      .describe('Give up after this many milliseconds (port "timeout"); unset: wait forever'),
  }),
  ports: ['received', 'timeout'],
  sideEffects: false,
  run(ctx) {
    const { event, correlationKey, timeoutMs } = ctx.params;
    return ctx.suspend({
      event: { name: event, correlationKey, port: 'received' },
      ...(timeoutMs === undefined ? {} : { until: ctx.now().getTime() + timeoutMs }),
      onTimeout: { port: 'timeout', value: ctx.input },
    });
  },
});
