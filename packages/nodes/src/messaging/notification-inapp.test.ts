import { describe, expect, test } from 'vitest';
import { NonRetriableError } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { createNotificationInappNode } from './notification-inapp.js';

const node = createNotificationInappNode();
const run = (params: Record<string, unknown>, simulate = true) =>
  testNode(node, { params, simulate, executionId: 'exe_1' });

describe('notification.inapp', () => {
  test('simulation records the notification and stores nothing', async () => {
    const result = await run({
      title: 'Deal won',
      body: 'Acme signed',
      level: 'success',
      recipients: 'role',
      role: 'admin',
      link: 'execution',
      linkLabel: 'See run',
    });
    expect(result.output).toEqual({
      simulated: true,
      notification: {
        key: 'exe_1:test-node',
        title: 'Deal won',
        body: 'Acme signed',
        level: 'success',
        link: { href: '/executions/exe_1', label: 'See run' },
        recipients: { kind: 'role', role: 'admin' },
      },
    });
  });

  test.each([
    [
      { title: 'x', recipients: 'users', users: 'ann@example.com' },
      { kind: 'users', users: ['ann@example.com'] },
    ],
    [
      { title: 'x', recipients: 'users', users: ['u1', 'u2'] },
      { kind: 'users', users: ['u1', 'u2'] },
    ],
    [{ title: 'x' }, { kind: 'all' }],
  ])('recipients of %j', async (params, recipients) => {
    const result = await run(params);
    expect(
      (result.output as { notification: { recipients: unknown } }).notification.recipients,
    ).toEqual(recipients);
  });

  test.each([
    [{ title: ' ' }, 'title: Too small'],
    [{ title: 'x', recipients: 'role' }, 'role: is required when recipients is role'],
    [{ title: 'x', recipients: 'users' }, 'users: is required when recipients is users'],
    [
      { title: 'x', link: 'https://evil.example/' },
      'link: must be "execution" or a path inside the app',
    ],
    [{ title: 'x', link: '//evil.example/' }, 'link: must be "execution" or a path inside the app'],
    [{ title: 'x', level: 'fatal' }, 'level:'],
  ])('refuses %j', async (params, message) => {
    await expect(run(params)).rejects.toThrow(message);
  });

  test('without a notify service the node explains why it cannot run', async () => {
    const failure = run({ title: 'x' }, false);
    await expect(failure).rejects.toBeInstanceOf(NonRetriableError);
    await expect(failure).rejects.toMatchObject({ code: 'NOTIFICATIONS_UNAVAILABLE' });
  });
});
