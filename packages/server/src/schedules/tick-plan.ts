import type { ScheduleRecord } from '@flowstate/engine';
import type { CronSchedule } from '@flowstate/nodes';

/** Which ticks of a claimed schedule to fire now, and where the schedule goes next. */
export interface TickPlan {
  /** Tick times to fire, oldest first. */
  fire: number[];
  /** The schedule's next run after this claim: the first tick after `now`. */
  next: number | undefined;
}

/** Bound on the on-time ticks fired by one claim (an every-second cron has 61 in a minute). */
const MAX_ON_TIME_TICKS = 1_000;

/**
 * Plans a claimed schedule's due ticks (from its `nextRunAt` up to `now`) by its catch-up
 * policy. Every tick at most `graceMs` old is on time and fires under every policy, so a
 * scheduler that runs a few seconds late (a busy machine, a process taking over a dead one's
 * claim) loses none of them. Older ones were missed (downtime): `skip` fires none of them,
 * `once` fires the latest when no tick is on time, `all` fires the latest `catchUpLimit` due
 * ticks (on-time ones included, and never fewer than the on-time ones).
 */
export function planTicks(
  schedule: Pick<ScheduleRecord, 'nextRunAt' | 'catchUp' | 'catchUpLimit'>,
  cron: CronSchedule,
  now: number,
  graceMs: number,
): TickPlan {
  const from = schedule.nextRunAt;
  const onTimeFrom = Math.max(from, now - graceMs);
  const onTime = ticksBetween(cron, onTimeFrom, now);
  const keep = schedule.catchUp === 'all' ? schedule.catchUpLimit : 1;
  const missed =
    onTimeFrom > from ? cron.previousRuns(keep, onTimeFrom - 1).filter((t) => t >= from) : [];
  // A schedule whose next run is not a tick of its cron (it was created or changed in
  // between) still owes that run.
  if (onTime.length === 0 && missed.length === 0 && from <= now) {
    (now - from <= graceMs ? onTime : missed).push(from);
  }
  return { fire: choose(schedule, missed, onTime), next: cron.next(now) };
}

function choose(
  schedule: Pick<ScheduleRecord, 'catchUp' | 'catchUpLimit'>,
  missed: number[],
  onTime: number[],
): number[] {
  switch (schedule.catchUp) {
    case 'skip':
      return onTime;
    case 'once':
      return onTime.length > 0 ? onTime : missed.slice(-1);
    case 'all':
      return [...missed, ...onTime].slice(-Math.max(schedule.catchUpLimit, onTime.length));
  }
}

/** The cron's ticks in `[from, to]`, oldest first, at most {@link MAX_ON_TIME_TICKS}. */
function ticksBetween(cron: CronSchedule, from: number, to: number): number[] {
  const ticks: number[] = [];
  let tick = cron.next(from - 1);
  while (tick !== undefined && tick <= to && ticks.length < MAX_ON_TIME_TICKS) {
    ticks.push(tick);
    tick = cron.next(tick);
  }
  return ticks;
}
