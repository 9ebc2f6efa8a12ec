import { describe, expect, test } from 'vitest';
import { DIRECTIVE } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { parseDuration } from './duration.js';
import { waitDelay } from './wait-delay.js';
import { waitEvent } from './wait-event.js';
import { webhookRespond } from './webhook-respond.js';

const now = new Date('2030-01-01T00:00:00Z');
const t0 = now.getTime();

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w 2d', 777_600_000],
    ['1.5h', 5_400_000],
  ])('%s -> %i', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each([[''], ['5'], ['5x'], ['m5'], ['5m foo'], ['-5m']])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration/);
  });
});

describe('wait.delay', () => {
  test.each([
    [{ durationMs: 1000 }, t0 + 1000],
    [{ duration: '1h30m' }, t0 + 5_400_000],
    [{ until: '2030-01-02T00:00:00Z' }, t0 + 86_400_000],
    [{ until: '2030-01-01T01:00:00+01:00' }, t0],
  ])('%j suspends until the right time', async (params, until) => {
    const result = await testNode(waitDelay, { params, input: { a: 1 }, now });
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'suspend',
      options: { until, onTimeout: { port: 'out', value: { a: 1 } } },
    });
  });

  test.each([
    [{}, /exactly one/],
    [{ durationMs: 1, duration: '1m' }, /exactly one/],
    [{ duration: 'soon' }, /duration: "soon" is not a duration/],
    [{ until: 'tomorrow' }, /until/],
    [{ duration: '400d' }, /at most 366 days/],
  ])('rejects %j', async (params, message) => {
    await expect(testNode(waitDelay, { params, now })).rejects.toThrow(message);
  });
});

describe('wait.event', () => {
  test('suspends on the event with a timeout', async () => {
    const result = await testNode(waitEvent, {
      params: { event: 'invoice.paid', correlationKey: 'inv-1', timeoutMs: 5000 },
      input: 'in',
      now,
    });
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'suspend',
      options: {
        event: { name: 'invoice.paid', correlationKey: 'inv-1', port: 'received' },
        until: t0 + 5000,
        onTimeout: { port: 'timeout', value: 'in' },
      },
    });
    expect(waitEvent.ports).toEqual(['received', 'timeout']);
  });

  test('without a timeout it waits for the event only; numeric keys become strings', async () => {
    const result = await testNode(waitEvent, { params: { event: 'e', correlationKey: 42 }, now });
    expect(result.directive).toMatchObject({ options: { event: { correlationKey: '42' } } });
    expect((result.directive as { options: object }).options).not.toHaveProperty('until');
  });

  test('requires event and correlation key', async () => {
    await expect(
      testNode(waitEvent, { params: { event: 'e', correlationKey: '' } }),
    ).rejects.toThrow(/correlationKey/);
  });
});

describe('webhook.respond', () => {
  test('responds with defaults: 200 and the input as body', async () => {
    const result = await testNode(webhookRespond, { input: { ok: 1 } });
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'respond',
      response: { status: 200, body: { ok: 1 } },
    });
    expect(result).toMatchObject({ port: 'out', output: { ok: 1 } });
  });

  test('passes status, headers and body', async () => {
    const result = await testNode(webhookRespond, {
      params: { status: 201, headers: { 'x-id': '1' }, body: 'created' },
    });
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'respond',
      response: { status: 201, headers: { 'x-id': '1' }, body: 'created' },
    });
  });

  test.each([[99], [600], [200.5]])('rejects status %s', async (status) => {
    await expect(testNode(webhookRespond, { params: { status } })).rejects.toThrow(/status/);
  });
});
