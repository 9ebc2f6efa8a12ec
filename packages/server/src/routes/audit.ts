import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { errors, Json } from '../schemas/common.js';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: '`nextCursor` of the previous page' }),
  action: z.string().min(1).max(100).optional().meta({ description: 'e.g. workflow.update' }),
  targetType: z.string().min(1).max(100).optional().meta({ description: 'e.g. credential' }),
  targetId: z.string().min(1).max(200).optional(),
});

/** One entry of the hash-chained audit log. */
const AuditEntrySchema = z
  .object({
    seq: z.number().meta({ description: '1, 2, 3, ... without gaps' }),
    at: z.number(),
    actor: z.object({
      type: z.enum(['user', 'api-key', 'system', 'cli']),
      id: z.string(),
      label: z.string().optional(),
    }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }),
    summary: Json.meta({ description: 'Before/after summary of the change; never secrets' }),
    prevHash: z.string(),
    hash: z.string().meta({ description: 'sha256 of prevHash and the canonical JSON entry' }),
  })
  .meta({ id: 'AuditEntry' });

const VerifyResponse = z.object({
  ok: z.boolean(),
  checked: z.number().meta({ description: 'Entries checked (up to the first bad one)' }),
  firstBad: z.object({ seq: z.number(), reason: z.string() }).optional(),
  head: z
    .object({ seq: z.number(), hash: z.string() })
    .optional()
    .meta({ description: 'The last entry of an intact chain: keep it elsewhere to compare' }),
});

/** `/api/v1/audit` (admin): the audit log, newest first, and a check of its hash chain. */
export function registerAuditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['audit'];
  const config = { access: 'admin' } as const;

  api.get(
    '/audit',
    {
      schema: {
        tags,
        summary: 'The audit log, newest first (cursor pagination)',
        querystring: ListQuery,
        response: {
          200: z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }),
          ...errors(400),
        },
      },
      config,
    },
    async (request) => {
      const query = request.query;
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
    },
  );

  api.get(
    '/audit/verify',
    {
      schema: {
        tags,
        summary: 'Check the hash chain; names the first bad entry',
        response: { 200: VerifyResponse },
      },
      config,
    },
    async () => ctx.audit.verify(),
  );
}
