import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';
import { parseDuration } from './duration.js';

const MAX_DELAY_MS = 366 * 86_400_000;

/** Params of `wait.delay`: exactly one of `durationMs`, `duration` ("1h30m") or `until` (ISO time). */
export const waitDelayParams = z
  .object({
    durationMs: z
      .int()
      .min(0)
      .max(MAX_DELAY_MS)
      .optional()
      .describe('How long to wait, in milliseconds'),
    duration: z.string().max(100).optional().describe('How long to wait: "5m", "1h30m", "2d"'),
    until: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Wait until this ISO 8601 time (with offset)'),
  })
  .superRefine((p, ctx) => {
    const set = [p.durationMs, p.duration, p.until].filter((v) => v !== undefined).length;
    if (set !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'set exactly one of durationMs, duration or until',
      });
    }
    if (p.duration !== undefined) {
      try {
        if (parseDuration(p.duration) > MAX_DELAY_MS) {
          ctx.addIssue({ code: 'custom', path: ['duration'], message: 'must be at most 366 days' });
        }
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['duration'], message: (error as Error).message });
      }
    }
  });

/** Pauses the execution for a duration or until a time; the wait is a row, so it survives restarts. */
export const waitDelay = defineNode({
  type: 'wait.delay',
  name: 'Wait',
  group: 'control',
  description: 'Pauses for a duration ("5m", "1h30m", "2d") or until a point in time.',
  icon: 'clock',
  params: waitDelayParams,
  sideEffects: false,
  run(ctx) {
    const { durationMs, duration, until } = ctx.params;
    const at =
      until !== undefined
        ? Date.parse(until)
        : ctx.now().getTime() + (durationMs ?? parseDuration(duration ?? '0ms'));
    return ctx.suspend({ until: at, onTimeout: { port: 'out', value: ctx.input } });
  },
});
