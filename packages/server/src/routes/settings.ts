import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { RetentionSettingsSchema } from '../retention.js';
import { errors } from '../schemas/common.js';

const RetentionView = RetentionSettingsSchema.extend({
  stored: z.boolean().meta({ description: 'False while the environment defaults apply' }),
  defaults: RetentionSettingsSchema,
});

/** Instance settings (`/api/v1/settings/*`) and the prune action. */
export function registerSettingsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { retention } = ctx;
  const view = async () => {
    const { policy, stored } = await retention.policy();
    return { ...policy, stored, defaults: retention.defaults };
  };

  api.get(
    '/settings/retention',
    {
      schema: {
        tags: ['settings'],
        summary: 'How long finished executions are kept',
        response: { 200: RetentionView },
      },
      config: { access: 'admin' },
    },
    view,
  );

  api.put(
    '/settings/retention',
    {
      schema: {
        tags: ['settings'],
        summary: 'Change retention (days; 0 keeps forever; failed ones at least as long)',
        body: RetentionSettingsSchema,
        response: { 200: RetentionView, ...errors(400) },
      },
      config: { access: 'admin' },
    },
    async (request) => {
      const { days, failedDays } = request.body;
      if (days > 0 && failedDays > 0 && failedDays < days) {
        throw httpError(
          'INVALID_REQUEST',
          `failedDays (${failedDays}) must be at least days (${days}): failed executions are kept longer.`,
          [{ path: '/body/failedDays', message: `must be 0 or at least ${days}` }],
        );
      }
      await retention.setPolicy({ days, failedDays });
      return view();
    },
  );

  api.post(
    '/executions/prune',
    {
      schema: {
        tags: ['executions'],
        summary: 'Delete finished executions past retention now (in small batches)',
        response: { 200: z.object({ deleted: z.number(), batches: z.number() }) },
      },
      config: { access: 'admin' },
    },
    async () => retention.pruneNow(),
  );
}
