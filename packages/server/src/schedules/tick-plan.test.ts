import { describe, expect, test } from 'vitest';
import { parseCron } from '@flowstate/nodes';
import { planTicks } from './tick-plan.js';

const MIN = 60_000;
const T = Date.parse('2030-01-01T10:00:00Z');
const everyMinute = parseCron('* * * * *');
const iso = (ms: number) => new Date(ms).toISOString().slice(11, 16);

describe('planTicks', () => {
  test.each([
    // policy, limit, now (minutes after T), ticks fired (HH:MM), next
    ['skip', 10, 0, ['10:00'], '10:01'],
    ['skip', 10, 0.5, ['10:00'], '10:01'],
    ['once', 10, 0, ['10:00'], '10:01'],
    ['all', 10, 0, ['10:00'], '10:01'],
    // Down from 10:00 to 10:30:30: the latest tick (10:30) is 30 s old, within the grace.
    ['skip', 10, 30.5, ['10:30'], '10:31'],
    ['once', 10, 30.5, ['10:30'], '10:31'],
    ['all', 3, 30.5, ['10:28', '10:29', '10:30'], '10:31'],
  ])('%s (limit %i) at +%f min fires %j, next %s', (catchUp, limit, minutes, fired, next) => {
    const plan = planTicks(
      { nextRunAt: T, catchUp: catchUp as 'skip', catchUpLimit: limit },
      everyMinute,
      T + minutes * MIN,
      MIN,
    );
    expect(plan.fire.map(iso)).toEqual(fired);
    expect(iso(plan.next!)).toBe(next);
  });

  test.each([
    ['skip', []],
    ['once', ['12:00']],
    ['all', ['11:00', '12:00']],
  ])('after downtime past the grace, %s fires %j', (catchUp, fired) => {
    const hourly = parseCron('0 * * * *');
    const plan = planTicks(
      { nextRunAt: T + 60 * MIN, catchUp: catchUp as 'skip', catchUpLimit: 5 },
      hourly,
      T + 150 * MIN, // 12:30: the 11:00 and 12:00 ticks were missed
      MIN,
    );
    expect(plan.fire.map(iso)).toEqual(fired);
    expect(iso(plan.next!)).toBe('13:00');
  });

  test('ticks before the schedule’s next run are never fired again', () => {
    const plan = planTicks(
      { nextRunAt: T + 5 * MIN, catchUp: 'all', catchUpLimit: 100 },
      everyMinute,
      T + 6 * MIN,
      MIN,
    );
    expect(plan.fire.map(iso)).toEqual(['10:05', '10:06']);
  });

  test.each(['skip', 'once', 'all'])(
    'a %s scheduler running 5 s late fires every on-time tick of an every-second cron',
    (catchUp) => {
      const everySecond = parseCron('* * * * * *');
      const plan = planTicks(
        { nextRunAt: T + 1_000, catchUp: catchUp as 'skip', catchUpLimit: 1 },
        everySecond,
        T + 5_500,
        MIN,
      );
      expect(plan.fire).toEqual([1, 2, 3, 4, 5].map((s) => T + s * 1_000));
      expect(plan.next).toBe(T + 6_000);
    },
  );

  test('a next run that is not a tick of the cron is still owed', () => {
    const plan = planTicks(
      { nextRunAt: T + 30_000, catchUp: 'skip', catchUpLimit: 1 },
      everyMinute,
      T + 40_000,
      MIN,
    );
    expect(plan.fire).toEqual([T + 30_000]);
  });
});
