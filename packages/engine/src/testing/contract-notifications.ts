import { expect } from 'vitest';
import type { NotificationRecord } from '../notification-store.js';
import type { Store } from '../store.js';
import { makeUser } from './contract-auth.js';
import type { ContractContext } from './store-contract.js';
import { T0 } from './store-fixtures.js';

function note(
  id: string,
  userId: string,
  overrides: Partial<NotificationRecord> = {},
): NotificationRecord {
  return {
    id,
    userId,
    key: `key-${id}`,
    title: `Title ${id}`,
    level: 'info',
    createdAt: T0,
    ...overrides,
  };
}

async function seedUsers(store: Store): Promise<void> {
  await store.createUser({ user: makeUser('u1') });
  await store.createUser({ user: makeUser('u2', { email: 'two@example.com' }) });
}

/** In-app notifications (`NotificationStore`). */
export function notificationCases({ it }: ContractContext): void {
  it('notifications: stored with every field; a repeated (user, key) is skipped', async (store) => {
    await seedUsers(store);
    const full = note('n1', 'u1', {
      key: 'exe_1:notify',
      body: 'Acme signed',
      level: 'success',
      link: { href: '/executions/exe_1', label: 'Open execution' },
      executionId: 'exe_1',
    });
    const created = await store.createNotifications([
      full,
      note('n2', 'u2', { key: 'exe_1:notify' }),
    ]);
    expect(created).toEqual([full, note('n2', 'u2', { key: 'exe_1:notify' })]);

    // A retry of the same step: same key, fresh ids. Nothing new is stored.
    const again = await store.createNotifications([
      note('n3', 'u1', { key: 'exe_1:notify', title: 'other' }),
      note('n4', 'u2', { key: 'exe_1:notify' }),
    ]);
    expect(again.map((n) => n.id).sort()).toEqual(['n1', 'n2']);
    expect(await store.listNotifications({ userId: 'u1', limit: 10 })).toEqual([full]);
    expect(await store.countUnreadNotifications('u1')).toBe(1);
    expect(await store.createNotifications([])).toEqual([]);
  });

  it('notifications: listed newest first per user, with an unread filter and a cursor', async (store) => {
    await seedUsers(store);
    await store.createNotifications([
      note('a', 'u1', { createdAt: T0 + 1 }),
      note('b', 'u1', { createdAt: T0 + 2 }),
      note('c', 'u1', { createdAt: T0 + 2 }),
      note('d', 'u1', { createdAt: T0 + 3 }),
      note('x', 'u2', { createdAt: T0 + 4 }),
    ]);
    const ids = (rows: NotificationRecord[]) => rows.map((n) => n.id);
    const first = await store.listNotifications({ userId: 'u1', limit: 2 });
    expect(ids(first)).toEqual(['d', 'c']);
    const last = first.at(-1)!;
    const second = await store.listNotifications({
      userId: 'u1',
      limit: 10,
      before: { createdAt: last.createdAt, id: last.id },
    });
    expect(ids(second)).toEqual(['b', 'a']);

    expect(await store.markNotificationRead({ userId: 'u1', id: 'c', now: T0 + 10 })).toBe(true);
    expect(await store.markNotificationRead({ userId: 'u2', id: 'd', now: T0 + 10 })).toBe(false);
    expect(await store.markNotificationRead({ userId: 'u1', id: 'nope', now: T0 + 10 })).toBe(
      false,
    );
    const unread = await store.listNotifications({ userId: 'u1', unreadOnly: true, limit: 10 });
    expect(ids(unread)).toEqual(['d', 'b', 'a']);
    const read = (await store.listNotifications({ userId: 'u1', limit: 10 })).find(
      (n) => n.id === 'c',
    );
    expect(read?.readAt).toBe(T0 + 10);
    // Reading again keeps the first read time.
    expect(await store.markNotificationRead({ userId: 'u1', id: 'c', now: T0 + 20 })).toBe(true);
    expect((await store.listNotifications({ userId: 'u1', limit: 10 }))[1]?.readAt).toBe(T0 + 10);
  });

  it('notifications: mark all read and count unread are per user', async (store) => {
    await seedUsers(store);
    await store.createNotifications([note('a', 'u1'), note('b', 'u1'), note('c', 'u2')]);
    expect(await store.countUnreadNotifications('u1')).toBe(2);
    expect(await store.markAllNotificationsRead({ userId: 'u1', now: T0 + 5 })).toBe(2);
    expect(await store.markAllNotificationsRead({ userId: 'u1', now: T0 + 6 })).toBe(0);
    expect(await store.countUnreadNotifications('u1')).toBe(0);
    expect(await store.countUnreadNotifications('u2')).toBe(1);
    expect(await store.countUnreadNotifications('nobody')).toBe(0);
  });

  it('notifications: pruning deletes old ones up to the limit', async (store) => {
    await seedUsers(store);
    await store.createNotifications([
      note('a', 'u1', { createdAt: T0 }),
      note('b', 'u1', { createdAt: T0 + 1 }),
      note('c', 'u2', { createdAt: T0 + 2 }),
      note('d', 'u2', { createdAt: T0 + 10 }),
    ]);
    expect(await store.pruneNotifications({ before: T0 + 5, limit: 2 })).toBe(2);
    expect(await store.pruneNotifications({ before: T0 + 5, limit: 10 })).toBe(1);
    const left = [
      ...(await store.listNotifications({ userId: 'u1', limit: 10 })),
      ...(await store.listNotifications({ userId: 'u2', limit: 10 })),
    ];
    expect(left.map((n) => n.id)).toEqual(['d']);
  });
}
