import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue, type NodeType } from '@flowstate/sdk';

/** Who receives an in-app notification. */
export type NotificationRecipients =
  | { kind: 'all' }
  /** Users with this role or a more powerful one. */
  | { kind: 'role'; role: 'viewer' | 'editor' | 'admin' | 'owner' }
  /** Users by id or email. */
  | { kind: 'users'; users: string[] };

/** What `notification.inapp` asks the host to store. */
export interface InAppNotification {
  /** Idempotency key: the host stores at most one notification per recipient and key. */
  key: string;
  title: string;
  body?: string;
  level: 'info' | 'success' | 'warning' | 'error';
  link?: { href: string; label?: string };
  executionId: string;
  recipients: NotificationRecipients;
}

/** What the host answers: the ids of the stored notifications, one per recipient. */
export interface NotifyResult {
  notificationIds: string[];
}

/**
 * The host service `notification.inapp` needs (the server passes one over its store). It
 * resolves the recipients, stores one notification per user idempotently by `key`, and throws
 * a `NonRetriableError` naming unknown users.
 */
export type NotifyFunction = (notification: InAppNotification) => Promise<NotifyResult>;

const APP_PATH = /^\/(?!\/)[^\s\\]*$/;

/** Params of `notification.inapp` after templating. */
export const notificationInappParams = z
  .object({
    title: z.string().trim().min(1).max(200).describe('Headline shown in the notification list'),
    body: z.string().max(2_000).optional().describe('Longer text under the title (plain text)'),
    level: z
      .enum(['info', 'success', 'warning', 'error'])
      .default('info')
      .describe('Severity: sets the colour and icon (`info`, `success`, `warning`, `error`)'),
    recipients: z
      .enum(['all', 'role', 'users'])
      .default('all')
      .describe('Who sees it: `all` users, everyone with at least `role`, or the listed `users`'),
    role: z
      .enum(['viewer', 'editor', 'admin', 'owner'])
      .optional()
      .describe('With recipients `role`: users with this role or a more powerful one'),
    users: z
      .union([z.string().min(1).max(320), z.array(z.string().min(1).max(320)).min(1).max(1_000)])
      .optional()
      .describe('With recipients `users`: user ids or emails (one, or a list)'),
    link: z
      .string()
      .max(2_000)
      .refine((v) => v === 'execution' || APP_PATH.test(v), {
        message: 'must be "execution" or a path inside the app such as /executions/exe_1',
      })
      .optional()
      .describe(
        'Where a click leads: `execution` (this execution) or a path inside the app such as `/workflows/wf_1`',
      ),
    linkLabel: z.string().max(100).optional().describe('Text of the link (default: "Open")'),
  })
  .refine((p) => p.recipients !== 'role' || p.role !== undefined, {
    message: 'is required when recipients is role',
    path: ['role'],
  })
  .refine((p) => p.recipients !== 'users' || p.users !== undefined, {
    message: 'is required when recipients is users',
    path: ['users'],
  });
export type NotificationInappParams = z.output<typeof notificationInappParams>;

function recipientsOf(p: NotificationInappParams): NotificationRecipients {
  switch (p.recipients) {
    case 'all':
      return { kind: 'all' };
    case 'role':
      return { kind: 'role', role: p.role ?? 'viewer' };
    case 'users':
      return { kind: 'users', users: typeof p.users === 'string' ? [p.users] : (p.users ?? []) };
  }
}

/** The notification a step asks for: the same for every attempt, so retries deduplicate. */
export function buildInAppNotification(
  p: NotificationInappParams,
  context: { idempotencyKey: string; executionId: string },
): InAppNotification {
  const href = p.link === 'execution' ? `/executions/${context.executionId}` : p.link;
  return {
    key: context.idempotencyKey,
    title: p.title,
    ...(p.body === undefined || p.body === '' ? {} : { body: p.body }),
    level: p.level,
    ...(href === undefined
      ? {}
      : { link: { href, ...(p.linkLabel === undefined ? {} : { label: p.linkLabel }) } }),
    executionId: context.executionId,
    recipients: recipientsOf(p),
  };
}

/**
 * Creates `notification.inapp` over the host's `notify` service. Without one (the CLI's
 * `run`, which has no users), running the node fails with a clear error; simulation works.
 *
 * @example
 * ```ts
 * const node = createNotificationInappNode(async (n) => ({ notificationIds: await store(n) }));
 * ```
 */
export function createNotificationInappNode(
  notify?: NotifyFunction,
): NodeType<NotificationInappParams> {
  return defineNode({
    type: 'notification.inapp',
    name: 'In-app notification',
    group: 'action',
    description:
      "Shows a notification in the web app's bell to all users, a role or chosen users, optionally linking to this execution. A retried step notifies once.",
    icon: 'bell',
    params: notificationInappParams,
    sideEffects: true,
    retryDefaults: { maxAttempts: 3, backoff: 'exponential', delayMs: 1_000, jitter: true },
    async run(ctx): Promise<JsonValue> {
      const notification = buildInAppNotification(ctx.params, {
        idempotencyKey: ctx.idempotencyKey,
        executionId: ctx.execution.id,
      });
      const recorded = {
        key: notification.key,
        title: notification.title,
        ...(notification.body === undefined ? {} : { body: notification.body }),
        level: notification.level,
        ...(notification.link === undefined ? {} : { link: notification.link }),
        recipients: notification.recipients,
      };
      if (ctx.simulate) return { simulated: true, notification: recorded };
      if (notify === undefined) {
        throw new NonRetriableError(
          'In-app notifications are stored by the Flowstate server; this runner has none',
          { code: 'NOTIFICATIONS_UNAVAILABLE' },
        );
      }
      const result = await notify(notification);
      return { ...recorded, notificationIds: result.notificationIds };
    },
  });
}
