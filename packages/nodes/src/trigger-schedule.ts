import { z } from 'zod';
import { isTemplate } from '@flowstate/core';
import { defineNode } from '@flowstate/sdk';
import { cronProblem, isValidTimezone } from './cron.js';

/** Most missed ticks `catchUp: 'all'` may fire after downtime. */
export const MAX_CATCH_UP_LIMIT = 1000;

/**
 * Params of `trigger.schedule`. `timezone` defaults to the workflow's `settings.timezone`,
 * then UTC. Cron and time zone are checked when the workflow is saved.
 */
export const scheduleTriggerParams = z
  .object({
    cron: z
      .string()
      .min(1)
      .max(200)
      .describe(
        'Cron expression, 5 fields (minute first) or 6 (seconds first), e.g. "0 9 * * 1-5"',
      ),
    timezone: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("IANA time zone, e.g. Europe/Berlin; default: the workflow's timezone, then UTC"),
    catchUp: z
      .enum(['skip', 'once', 'all'])
      .default('skip')
      .describe('Ticks missed while the server was down: skip them, run once, or run each'),
    catchUpLimit: z
      .int()
      .min(1)
      .max(MAX_CATCH_UP_LIMIT)
      .default(10)
      .describe('Most missed ticks run with catchUp "all"'),
  })
  .superRefine((params, ctx) => {
    if (isTemplate(params.cron)) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'must be a fixed cron expression' });
    } else {
      const problem = cronProblem(params.cron);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
    }
    if (params.timezone !== undefined && !isValidTimezone(params.timezone)) {
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: `"${params.timezone}" is not an IANA time zone such as "UTC" or "Europe/Berlin"`,
      });
    }
  });
export type ScheduleTriggerParams = z.output<typeof scheduleTriggerParams>;

/**
 * Starts the workflow on a cron schedule while it is active. The scheduler passes
 * `{ scheduledAt, firedAt, cron, timezone, late }` as input; the node outputs it unchanged.
 */
export const scheduleTrigger = defineNode({
  type: 'trigger.schedule',
  name: 'Schedule',
  group: 'trigger',
  description: 'Starts the workflow on a cron schedule (5 or 6 fields) in a time zone.',
  icon: 'calendar-clock',
  params: scheduleTriggerParams,
  rawParams: ['cron', 'timezone'],
  sideEffects: false,
  trigger: true,
  run: (ctx) => ctx.input,
});
