import { Cron } from 'croner';
import { FlowstateError } from '@flowstate/core';

/** A parsed cron expression in a time zone: computes its run times. */
export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first run strictly after `after` (epoch ms), or undefined when there is none. */
  next(after: number): number | undefined;
  /** Up to `count` runs strictly after `after`, in order. */
  nextRuns(count: number, after: number): number[];
  /** The latest `count` runs at or before `atOrBefore`, oldest first. */
  previousRuns(count: number, atOrBefore: number): number[];
}

/** Whether `timezone` is an IANA time zone name this runtime knows (`Europe/Berlin`, `UTC`). */
export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with a cron expression, or undefined when it is valid: 5 fields
 * (`minute hour day month weekday`) or 6 (seconds first), or a nickname such as `@daily`.
 * An expression that never matches a date (`0 0 30 2 *`) is wrong too.
 */
export function cronProblem(expression: string): string | undefined {
  let cron: Cron;
  try {
    cron = new Cron(expression, { mode: '5-or-6-parts' });
  } catch (error) {
    return `"${expression}" is not a valid cron expression: ${croneMessage(error)}`;
  }
  if (cron.nextRun() === null)
    return `"${expression}" never matches a date (check the day and month fields)`;
  return undefined;
}

/**
 * Parses a cron expression read in `timezone`. Throws a `FlowstateError` (`INVALID_CRON`,
 * `INVALID_TIMEZONE`) that names the problem.
 *
 * @example
 * parseCron('0 9 * * MON-FRI', 'Europe/Berlin').nextRuns(3, Date.now());
 */
export function parseCron(expression: string, timezone = 'UTC'): CronSchedule {
  if (!isValidTimezone(timezone)) {
    throw new FlowstateError(
      'INVALID_TIMEZONE',
      `"${timezone}" is not an IANA time zone such as "UTC" or "Europe/Berlin"`,
    );
  }
  const problem = cronProblem(expression);
  if (problem !== undefined) throw new FlowstateError('INVALID_CRON', problem);
  const cron = new Cron(expression, { mode: '5-or-6-parts', timezone });
  const next = (after: number): number | undefined => cron.nextRun(new Date(after))?.getTime();
  return {
    expression,
    timezone,
    next,
    nextRuns(count, after) {
      const runs: number[] = [];
      for (let at = next(after); at !== undefined && runs.length < count; at = next(at))
        runs.push(at);
      return runs;
    },
    previousRuns(count, atOrBefore) {
      // croner returns runs strictly before its reference, newest first.
      return cron
        .previousRuns(count, new Date(atOrBefore + 1))
        .map((date) => date.getTime())
        .reverse();
    },
  };
}

function croneMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern: /, '');
}
