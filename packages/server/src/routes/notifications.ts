import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NOTIFICATION_LEVELS, type NotificationRecord } from '@flowstate/engine';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { errors, Limit } from '../schemas/common.js';
import { userOf } from './auth.js';
import { decodeCursor, encodeCursor } from './executions.js';

const Notification = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string().optional(),
    level: z.enum(NOTIFICATION_LEVELS),
    link: z
      .object({ href: z.string(), label: z.string().optional() })
      .optional()
      .meta({ description: 'A path inside the web app' }),
    executionId: z.string().optional().meta({ description: 'The execution that sent it' }),
    createdAt: z.number(),
    readAt: z.number().optional(),
  })
  .meta({ id: 'Notification' });

const ListQuery = z.object({
  unread: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true: unread notifications only' }),
  limit: Limit,
  cursor: z.string().min(1).optional().meta({ description: 'nextCursor of the previous page' }),
});

const Page = z.object({
  items: z.array(Notification),
  nextCursor: z.string().nullable(),
  unreadCount: z.number(),
});

const UnreadCount = z.object({ count: z.number() });
const IdParams = z.object({ id: z.string().min(1).max(200) });

function view(record: NotificationRecord): z.output<typeof Notification> {
  const { userId: _user, key: _key, ...rest } = record;
  return rest;
}

/**
 * `/api/v1/notifications`: the signed-in user's in-app notifications (written by the
 * `notification.inapp` node), newest first, and marking them read. Each user sees only their own.
 */
export function registerNotificationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { store } = ctx;
  const tags = ['notifications'];
  const now = (): number => ctx.engine.clock.now();

  api.get(
    '/notifications',
    {
      schema: {
        tags,
        summary: 'My notifications, newest first, with an unread filter and cursor pagination',
        querystring: ListQuery,
        response: { 200: Page, ...errors(400, 401) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const userId = userOf(request).user.id;
      const { limit, cursor, unread } = request.query;
      const page = await store.listNotifications({
        userId,
        limit: limit + 1,
        unreadOnly: unread === 'true',
        ...(cursor === undefined ? {} : { before: decodeCursor(cursor) }),
      });
      const items = page.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map(view),
        nextCursor: page.length > limit && last ? encodeCursor(last) : null,
        unreadCount: await store.countUnreadNotifications(userId),
      };
    },
  );

  api.get(
    '/notifications/unread-count',
    {
      schema: {
        tags,
        summary: 'How many of my notifications are unread',
        response: { 200: UnreadCount, ...errors(401) },
      },
      config: { access: 'viewer' },
    },
    async (request) => ({
      count: await store.countUnreadNotifications(userOf(request).user.id),
    }),
  );

  api.post(
    '/notifications/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark one of my notifications read',
        params: IdParams,
        response: { 200: UnreadCount, ...errors(401, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const userId = userOf(request).user.id;
      const found = await store.markNotificationRead({ userId, id: request.params.id, now: now() });
      if (!found) {
        throw httpError(
          'NOTIFICATION_NOT_FOUND',
          `Notification "${request.params.id}" does not exist.`,
        );
      }
      return { count: await store.countUnreadNotifications(userId) };
    },
  );

  api.post(
    '/notifications/read-all',
    {
      schema: {
        tags,
        summary: 'Mark all my notifications read',
        response: { 200: z.object({ marked: z.number(), count: z.number() }), ...errors(401) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const userId = userOf(request).user.id;
      const marked = await store.markAllNotificationsRead({ userId, now: now() });
      return { marked, count: await store.countUnreadNotifications(userId) };
    },
  );
}
