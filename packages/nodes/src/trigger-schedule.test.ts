import { describe, expect, test } from 'vitest';
import { DIRECTIVE, validate, createRegistry } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { eventTrigger } from './trigger-event.js';
import { scheduleTrigger, scheduleTriggerParams } from './trigger-schedule.js';
import { APPROVAL_EVENT, waitApproval } from './wait-approval.js';

describe('trigger.schedule', () => {
  test('outputs the tick the scheduler passes in; defaults catch-up to skip', async () => {
    const tick = { scheduledAt: '2030-01-01T00:00:00.000Z', late: false };
    const result = await testNode(scheduleTrigger, { params: { cron: '* * * * *' }, input: tick });
    expect(result).toMatchObject({ port: 'out', output: tick });
    expect(scheduleTriggerParams.parse({ cron: '0 9 * * *' })).toEqual({
      cron: '0 9 * * *',
      catchUp: 'skip',
      catchUpLimit: 10,
    });
  });

  test.each([
    [{ cron: '61 * * * *' }, /cron: .*Invalid value for minute: 61/],
    [{ cron: '* * * *' }, /cron: .*five, six/],
    [{ cron: '{{ $vars.cron }}' }, /cron: must be a fixed cron expression/],
    [{ cron: '* * * * *', timezone: 'Mars/Olympus' }, /timezone: "Mars\/Olympus" is not an IANA/],
    [{ cron: '* * * * *', catchUp: 'never' }, /catchUp/],
    [{ cron: '* * * * *', catchUpLimit: 0 }, /catchUpLimit/],
  ])('rejects %j', async (params, message) => {
    await expect(testNode(scheduleTrigger, { params })).rejects.toThrow(message);
  });

  test('workflow validation names the parameter at save time', () => {
    const result = validate(
      {
        schemaVersion: 1,
        name: 'W',
        nodes: [{ id: 't', type: 'trigger.schedule', name: 'T', params: { cron: '0 25 * * *' } }],
        edges: [],
      },
      createRegistry([scheduleTrigger]),
    );
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({
        path: '/nodes/0/params/cron',
        message: expect.stringMatching(/Invalid value for hour: 25/),
      }),
    ]);
  });
});

describe('trigger.event', () => {
  test('outputs the event; numeric correlation keys become strings', async () => {
    const event = { name: 'order.paid', correlationKey: 'o-1', payload: { total: 5 } };
    const result = await testNode(eventTrigger, {
      params: { event: 'order.paid', correlationKey: 7 },
      input: event,
    });
    expect(result).toMatchObject({ port: 'out', output: event });
    expect(eventTrigger.params.parse({ event: 'e', correlationKey: 7 })).toEqual({
      event: 'e',
      correlationKey: '7',
    });
  });

  test('requires an event name', async () => {
    await expect(testNode(eventTrigger, { params: { event: '' } })).rejects.toThrow(/event/);
  });
});

describe('wait.approval', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  test('suspends on its own approval event with the approvers and message as info', async () => {
    const result = await testNode(waitApproval, {
      params: { approvers: ['ann@example.com'], message: 'Ship it?', timeout: '2d' },
      input: { order: 1 },
      now,
    });
    const until = now.getTime() + 2 * 86_400_000;
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'suspend',
      options: {
        event: {
          name: APPROVAL_EVENT,
          correlationKey: expect.stringMatching(/:/),
          port: 'approved',
        },
        until,
        onTimeout: {
          port: 'timeout',
          value: {
            decision: 'timeout',
            comment: null,
            decidedBy: null,
            decidedAt: '2030-01-03T00:00:00.000Z',
            via: 'timeout',
            input: { order: 1 },
          },
        },
        info: { approvers: ['ann@example.com'], message: 'Ship it?', expiresAt: until },
      },
    });
    expect(waitApproval.ports).toEqual(['approved', 'rejected', 'timeout']);
  });

  test('without a timeout it waits until decided', async () => {
    const result = await testNode(waitApproval, {
      params: { approvers: ['u1'], message: 'ok?' },
      now,
    });
    const options = (result.directive as unknown as { options: Record<string, unknown> }).options;
    expect(options).not.toHaveProperty('until');
    expect(options['info']).toEqual({ approvers: ['u1'], message: 'ok?', expiresAt: null });
  });

  test.each([
    [{ approvers: [], message: 'm' }, /approvers/],
    [{ approvers: ['a'], message: '' }, /message/],
    [{ approvers: ['a'], message: 'm', timeout: 'soon' }, /timeout: "soon" is not a duration/],
    [{ approvers: ['a'], message: 'm', timeout: '400d' }, /at most 366 days/],
  ])('rejects %j', async (params, message) => {
    await expect(testNode(waitApproval, { params, now })).rejects.toThrow(message);
  });
});
