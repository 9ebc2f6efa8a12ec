import type { FastifyInstance } from 'fastify';
import type { JsonValue } from '@flowstate/core';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { parseRequest } from '../errors.js';

const EventBody = z.object({
  name: z.string().min(1).max(200),
  correlationKey: z.string().max(1000),
  payload: z.unknown().optional(),
});

/** `POST /api/v1/events`: delivers an external event to the executions waiting for it. */
export function registerEventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/events', { config: { access: 'editor' } }, async (request) => {
    const event = parseRequest(EventBody, request.body, 'event body');
    return ctx.engine.deliverEvent({
      name: event.name,
      correlationKey: event.correlationKey,
      payload: (event.payload ?? null) as JsonValue,
    });
  });
}
