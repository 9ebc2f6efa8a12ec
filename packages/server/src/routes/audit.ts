import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { parseRequest } from '../errors.js';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `nextCursor` of the previous page. */
  cursor: z.coerce.number().int().min(1).optional(),
  action: z.string().min(1).max(100).optional(),
  targetType: z.string().min(1).max(100).optional(),
  targetId: z.string().min(1).max(200).optional(),
});

/** `/api/v1/audit` (admin): the audit log, newest first, and a check of its hash chain. */
export function registerAuditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const admin = { config: { access: 'admin' } } as const;

  app.get('/audit', admin, async (request) => {
    const query = parseRequest(ListQuery, request.query, 'query');
    const page = await ctx.store.listAudit({
      limit: query.limit + 1,
      ...(query.cursor === undefined ? {} : { beforeSeq: query.cursor }),
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(query.targetType === undefined ? {} : { targetType: query.targetType }),
      ...(query.targetId === undefined ? {} : { targetId: query.targetId }),
    });
    const items = page.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: page.length > query.limit && last ? String(last.seq) : null };
  });

  app.get('/audit/verify', admin, async () => ctx.audit.verify());
}
