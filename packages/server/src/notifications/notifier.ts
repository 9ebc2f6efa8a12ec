import { NonRetriableError } from '@flowstate/core';
import { uuidv7, type NotificationRecord, type Store, type UserRecord } from '@flowstate/engine';
import type { InAppNotification, NotificationRecipients, NotifyFunction } from '@flowstate/nodes';
import { hasRole } from '../auth/roles.js';

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  store: Pick<Store, 'listUsers' | 'createNotifications'>;
  /** Clock of `createdAt` (tests); defaults to `Date.now`. */
  now?: () => number;
}

/**
 * The users a notification goes to: every enabled user, those with at least a role, or the
 * named ones (by id or email). A named user who does not exist is an error naming them, since
 * a retry cannot fix the workflow; a named user who is disabled is skipped.
 */
export function resolveRecipients(
  users: readonly UserRecord[],
  recipients: NotificationRecipients,
): UserRecord[] {
  const enabled = users.filter((u) => !u.disabled);
  switch (recipients.kind) {
    case 'all':
      return enabled;
    case 'role':
      return enabled.filter((u) => hasRole(u.role, recipients.role));
    case 'users': {
      const byKey = new Map<string, UserRecord>();
      for (const user of users) {
        byKey.set(user.id, user);
        byKey.set(user.email.toLowerCase(), user);
      }
      const find = (entry: string) =>
        byKey.get(entry.trim()) ?? byKey.get(entry.trim().toLowerCase());
      const unknown = recipients.users.filter((entry) => find(entry) === undefined);
      if (unknown.length > 0) {
        throw new NonRetriableError(
          `users: no user with id or email ${unknown.map((u) => `"${u}"`).join(', ')}`,
          { code: 'UNKNOWN_RECIPIENT' },
        );
      }
      const chosen = new Map<string, UserRecord>();
      for (const entry of recipients.users) {
        const user = find(entry);
        if (user !== undefined && !user.disabled) chosen.set(user.id, user);
      }
      return [...chosen.values()];
    }
  }
}

/**
 * The `notify` service of `notification.inapp`: resolves the recipients and stores one
 * notification per user, keyed by the step's idempotency key so a retry stores nothing new.
 *
 * @example
 * const registry = createBuiltinRegistry({ notify: createNotifier({ store }) });
 */
export function createNotifier(options: NotifierOptions): NotifyFunction {
  const now = options.now ?? Date.now;
  return async (notification: InAppNotification) => {
    const users = resolveRecipients(await options.store.listUsers(), notification.recipients);
    const createdAt = now();
    const records: NotificationRecord[] = users.map((user) => ({
      id: `ntf_${uuidv7(createdAt)}`,
      userId: user.id,
      key: notification.key,
      title: notification.title,
      ...(notification.body === undefined ? {} : { body: notification.body }),
      level: notification.level,
      ...(notification.link === undefined ? {} : { link: notification.link }),
      executionId: notification.executionId,
      createdAt,
    }));
    const stored = await options.store.createNotifications(records);
    return { notificationIds: stored.map((n) => n.id) };
  };
}
