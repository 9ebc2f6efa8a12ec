import type { ScheduleRecord } from '@flowstate/engine';
import type { CronSchedule } from '@flowstate/nodes';

/** Which ticks of a claimed schedule to fire now, and where the schedule goes next. */
export interface TickPlan {
  /** Tick times to fire, oldest first. */
  fire: number[];
  /** The schedule's next run after this claim: the first tick after `now`. */
  next: number | undefined;
}

/**
 * Plans a claimed schedule's due ticks (from its `nextRunAt` up to `now`) by its catch-up
 * policy. A tick at most `graceMs` old is on time and fires under every policy; older ones
 * were missed (downtime): `skip` fires none of them, `once` fires the latest, `all` fires the
 * latest `catchUpLimit`.
 */
export function planTicks(
  schedule: Pick<ScheduleRecord, 'nextRunAt' | 'catchUp' | 'catchUpLimit'>,
  cron: CronSchedule,
  now: number,
  graceMs: number,
): TickPlan {
  const keep = schedule.catchUp === 'all' ? schedule.catchUpLimit : 1;
  const due = cron.previousRuns(keep, now).filter((t) => t >= schedule.nextRunAt);
  if (due.length === 0 && schedule.nextRunAt <= now) due.push(schedule.nextRunAt);
  const latest = due.at(-1);
  const onTime = latest !== undefined && now - latest <= graceMs;
  const fire = schedule.catchUp === 'skip' ? (onTime ? [latest] : []) : due;
  return { fire, next: cron.next(now) };
}
