import type { FastifyInstance } from 'fastify';
import { ROLES } from '@flowstate/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { parseRequest } from '../errors.js';
import { userOf } from './auth.js';

const CreateBody = z.object({
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES).optional(),
  /** Epoch milliseconds after which the key stops working. */
  expiresAt: z.int().positive().optional(),
});
const ListQuery = z.object({ all: z.enum(['true', 'false']).optional() });
const IdParams = z.object({ id: z.string().min(1).max(200) });

/**
 * `/api/v1/api-keys` (any signed-in user, for their own keys; admins may list and revoke
 * everyone's). The key is in the creation response only.
 */
export function registerApiKeyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const viewer = { config: { access: 'viewer' } } as const;

  app.get('/api-keys', viewer, async (request) => {
    const { all } = parseRequest(ListQuery, request.query, 'query');
    return { items: await ctx.apiKeys.list(userOf(request), all === 'true') };
  });

  app.post('/api-keys', viewer, async (request, reply) => {
    const body = parseRequest(CreateBody, request.body, 'API key body');
    const created = await ctx.apiKeys.create(userOf(request), body);
    return reply.code(201).send(created);
  });

  app.delete('/api-keys/:id', viewer, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    return { apiKey: await ctx.apiKeys.revoke(userOf(request), id) };
  });
}
