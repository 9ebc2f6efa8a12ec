import { describe, expect, test } from 'vitest';
import { cronProblem, isValidTimezone, parseCron } from './cron.js';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

describe('parseCron', () => {
  test.each([
    [
      '*/15 * * * *',
      'UTC',
      '2030-01-01T00:07:00Z',
      ['2030-01-01T00:15:00.000Z', '2030-01-01T00:30:00.000Z'],
    ],
    [
      '30 * * * * *',
      'UTC',
      '2030-01-01T00:00:00Z',
      ['2030-01-01T00:00:30.000Z', '2030-01-01T00:01:30.000Z'],
    ],
    [
      '0 9 * * MON-FRI',
      'Europe/Berlin',
      '2030-01-04T12:00:00Z',
      ['2030-01-07T08:00:00.000Z', '2030-01-08T08:00:00.000Z'],
    ],
    [
      '0 9 * * *',
      'America/New_York',
      '2030-07-01T00:00:00Z',
      ['2030-07-01T13:00:00.000Z', '2030-07-02T13:00:00.000Z'],
    ],
    [
      '@daily',
      'UTC',
      '2030-01-01T00:00:00Z',
      ['2030-01-02T00:00:00.000Z', '2030-01-03T00:00:00.000Z'],
    ],
  ])('%s in %s after %s', (cron, timezone, after, runs) => {
    expect(parseCron(cron, timezone).nextRuns(2, at(after)).map(iso)).toEqual(runs);
  });

  test('previousRuns are the latest runs at or before a time, oldest first (DST included)', () => {
    expect(parseCron('* * * * * *').previousRuns(2, at('2030-01-01T00:00:05Z')).map(iso)).toEqual([
      '2030-01-01T00:00:04.000Z',
      '2030-01-01T00:00:05.000Z',
    ]);
    const hourly = parseCron('0 * * * *', 'Europe/Berlin');
    expect(hourly.previousRuns(3, at('2030-10-27T02:59:59Z')).map(iso)).toEqual([
      '2030-10-27T00:00:00.000Z',
      '2030-10-27T01:00:00.000Z',
      '2030-10-27T02:00:00.000Z',
    ]);
    expect(parseCron('0 0 1 1 *').previousRuns(1, at('2030-06-01T00:00:00Z')).map(iso)).toEqual([
      '2030-01-01T00:00:00.000Z',
    ]);
  });

  test('next is strictly after the given time', () => {
    const schedule = parseCron('0 * * * *');
    expect(iso(schedule.next(at('2030-01-01T10:00:00Z'))!)).toBe('2030-01-01T11:00:00.000Z');
  });

  test('DST spring forward (Europe/Berlin, 2030-03-31): 02:30 does not exist and runs once at 03:00', () => {
    const runs = parseCron('30 2 * * *', 'Europe/Berlin').nextRuns(3, at('2030-03-29T12:00:00Z'));
    expect(runs.map(iso)).toEqual([
      '2030-03-30T01:30:00.000Z', // 02:30 CET
      '2030-03-31T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
      '2030-04-01T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  test('DST fall back (Europe/Berlin, 2030-10-27): a daily job runs once, hourly intervals keep going', () => {
    const daily = parseCron('30 2 * * *', 'Europe/Berlin').nextRuns(2, at('2030-10-26T12:00:00Z'));
    expect(daily.map(iso)).toEqual(['2030-10-27T00:30:00.000Z', '2030-10-28T01:30:00.000Z']);
    const hourly = parseCron('0 * * * *', 'Europe/Berlin').nextRuns(4, at('2030-10-26T23:30:00Z'));
    // Every real hour fires once: 01:00, 02:00 CEST, 02:00 CET, 03:00 CET.
    expect(hourly.map(iso)).toEqual([
      '2030-10-27T00:00:00.000Z',
      '2030-10-27T01:00:00.000Z',
      '2030-10-27T02:00:00.000Z',
      '2030-10-27T03:00:00.000Z',
    ]);
  });

  test.each([
    ['* * * *', /exactly five, six/],
    ['* * * * * * *', /5 or 6 parts/],
    ['61 * * * *', /Invalid value for minute: 61/],
    ['0 0 30 2 *', /never matches a date/],
    ['every day', /not a valid cron expression/],
  ])('rejects %j', (cron, message) => {
    expect(cronProblem(cron)).toMatch(message);
    expect(() => parseCron(cron)).toThrow(message);
  });

  test('rejects an unknown time zone with INVALID_TIMEZONE', () => {
    expect(() => parseCron('* * * * *', 'Mars/Olympus')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIMEZONE' }),
    );
  });

  test.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus', false],
    ['', false],
  ])('isValidTimezone(%j) is %s', (timezone, valid) => {
    expect(isValidTimezone(timezone)).toBe(valid);
  });
});
