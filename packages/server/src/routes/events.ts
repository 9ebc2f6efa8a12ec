import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { JsonValue } from '@flowstate/core';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { errors, Json } from '../schemas/common.js';

const EventBody = z.object({
  name: z.string().min(1).max(200),
  correlationKey: z.string().max(1000),
  payload: Json.optional(),
});

/** `POST /api/v1/events`: delivers an external event to the executions waiting for it. */
export function registerEventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Deliver an event to the wait.event steps waiting for its name and key',
        body: EventBody,
        response: { 200: z.object({ resumed: z.array(z.string()) }), ...errors(400) },
      },
      config: { access: 'editor' },
    },
    async (request) =>
      ctx.engine.deliverEvent({
        name: request.body.name,
        correlationKey: request.body.correlationKey,
        payload: (request.body.payload ?? null) as JsonValue,
      }),
  );
}
