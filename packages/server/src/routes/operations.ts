import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerContext } from '../context.js';

/**
 * `/healthz` (the process answers), `/readyz` (the store answers and we are not closing) and
 * `/metrics` (Prometheus text format).
 */
export function registerOperationRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  isClosing: () => boolean,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operations'];
  api.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
      config: { access: 'public' },
    },
    async () => ({ status: 'ok' as const }),
  );
  api.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: 503 while closing',
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('closing') }),
        },
      },
      config: { access: 'public' },
    },
    async (_request, reply) => {
      if (isClosing()) return reply.code(503).send({ status: 'closing' as const });
      await ctx.store.getWorkflow('readyz-probe');
      return { status: 'ready' as const };
    },
  );
  api.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics of this process (text exposition format)',
        produces: ['text/plain'],
        response: { 200: z.string() },
      },
      config: { access: 'metrics' },
    },
    async (_request, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.render()),
  );
}
