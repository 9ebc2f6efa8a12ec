import { describe, expect, test } from 'vitest';
import { testNode } from '@flowstate/sdk';
import { datetimeFormat } from './datetime.js';

const run = async (params: Record<string, unknown>) =>
  (await testNode(datetimeFormat, { params })).output;

describe('datetime.format', () => {
  test.each([
    [{ value: '2024-03-10T12:00:00Z' }, '2024-03-10T12:00:00.000Z'],
    [{ value: '2024-03-10T12:00:00Z', timezone: 'Europe/Berlin' }, '2024-03-10T13:00:00.000+01:00'],
    [
      {
        value: '2024-03-10 08:30',
        inputFormat: 'yyyy-MM-dd HH:mm',
        timezone: 'America/New_York',
        outputFormat: 'epochMillis',
      },
      Date.UTC(2024, 2, 10, 12, 30),
    ],
    [{ value: 1710072000, inputFormat: 'epochSeconds', outputFormat: 'isoDate' }, '2024-03-10'],
    [{ value: 1710072000000, outputFormat: 'dd.MM.yyyy HH:mm' }, '10.03.2024 12:00'],
    [
      { value: '2024-03-10T12:00:00Z', outputFormat: 'cccc d LLLL', locale: 'fr' },
      'dimanche 10 mars',
    ],
    [{ value: '2024-03-10T12:00:00Z', outputFormat: 'rfc2822' }, 'Sun, 10 Mar 2024 12:00:00 +0000'],
  ])('format %j', async (params, expected) => {
    expect(await run(params)).toEqual(expected);
  });

  test.each([
    [
      { operation: 'add', duration: 'P1M', value: '2024-01-31T00:00:00Z' },
      '2024-02-29T00:00:00.000Z',
    ],
    [
      { operation: 'add', duration: { days: 1, hours: 2 }, value: '2024-01-01T00:00:00Z' },
      '2024-01-02T02:00:00.000Z',
    ],
    [
      { operation: 'subtract', duration: 'PT90M', value: '2024-01-01T00:00:00Z' },
      '2023-12-31T22:30:00.000Z',
    ],
    [
      { operation: 'startOf', unit: 'days', value: '2024-03-10T05:00:00Z', timezone: 'Asia/Tokyo' },
      '2024-03-10T00:00:00.000+09:00',
    ],
    [
      { operation: 'endOf', unit: 'months', value: '2024-02-10T05:00:00Z' },
      '2024-02-29T23:59:59.999Z',
    ],
    [
      {
        operation: 'diff',
        unit: 'days',
        value: '2024-03-10T00:00:00Z',
        other: '2024-03-01T12:00:00Z',
      },
      8.5,
    ],
    [{ operation: 'diff', value: '2024-03-10T00:00:01Z', other: '2024-03-10T00:00:00Z' }, 1000],
  ])('%j', async (params, expected) => {
    expect(await run(params)).toEqual(expected);
  });

  test('a day added over a DST change keeps the wall clock', async () => {
    expect(
      await run({
        operation: 'add',
        duration: 'P1D',
        value: '2024-03-30T12:00:00',
        timezone: 'Europe/Berlin',
      }),
    ).toBe('2024-03-31T12:00:00.000+02:00');
  });

  test.each([
    [{ value: 'x', timezone: 'Mars/Olympus' }, /timezone "Mars\/Olympus" is not an IANA time zone/],
    [{ value: 'yesterday' }, /value "yesterday" is not a valid date in format "iso"/],
    [
      { value: '31/02/2024', inputFormat: 'dd/MM/yyyy' },
      /not a valid date in format "dd\/MM\/yyyy"/,
    ],
    [{ operation: 'diff', value: '2024-01-01', other: 'nope' }, /other "nope" is not a valid date/],
    [
      { operation: 'add', value: '2024-01-01', duration: 'one day' },
      /duration "one day" is not an ISO 8601 duration/,
    ],
    [{ operation: 'add', value: '2024-01-01' }, /duration: add needs duration/],
    [{ operation: 'startOf', value: '2024-01-01' }, /unit: startOf needs unit/],
  ])('%j is refused clearly', async (params, message) => {
    await expect(run(params)).rejects.toThrow(message);
  });

  test('is pure', () => expect(datetimeFormat.sideEffects).toBe(false));
});
