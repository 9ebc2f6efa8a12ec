import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { ApiKeySchema, RoleSchema } from '../schemas/auth.js';
import { errors } from '../schemas/common.js';
import { userOf } from './auth.js';

const CreateBody = z.object({
  name: z.string().trim().min(1).max(200),
  role: RoleSchema.optional().meta({ description: 'At most your role (the default)' }),
  expiresAt: z
    .int()
    .positive()
    .optional()
    .meta({ description: 'Epoch milliseconds after which the key stops working' }),
});
const ListQuery = z.object({
  all: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: "Admins: everyone's keys, not just yours" }),
});
const IdParams = z.object({ id: z.string().min(1).max(200) });
const ItemsResponse = z.object({ items: z.array(ApiKeySchema) });
const CreatedResponse = z.object({
  key: z.string().meta({ description: 'The key (fsk_…): shown this once, stored hashed' }),
  apiKey: ApiKeySchema,
});

/**
 * `/api/v1/api-keys` (any signed-in user, for their own keys; admins may list and revoke
 * everyone's). The key is in the creation response only.
 */
export function registerApiKeyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['api-keys'];
  const config = { access: 'viewer' } as const;

  api.get(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Your API keys (all=true: everyone’s, for admins)',
        querystring: ListQuery,
        response: { 200: ItemsResponse, ...errors(400, 403) },
      },
      config,
    },
    async (request) => ({
      items: await ctx.apiKeys.list(userOf(request), request.query.all === 'true'),
    }),
  );

  api.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key for yourself; the key is in this response only',
        body: CreateBody,
        response: { 201: CreatedResponse, ...errors(400, 403) },
      },
      config,
    },
    async (request, reply) => {
      const created = await ctx.apiKeys.create(userOf(request), request.body);
      return reply.code(201).send(created);
    },
  );

  api.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API key (yours; admins: anyone’s)',
        params: IdParams,
        response: { 200: z.object({ apiKey: ApiKeySchema }), ...errors(400, 404, 409) },
      },
      config,
    },
    async (request) => ({ apiKey: await ctx.apiKeys.revoke(userOf(request), request.params.id) }),
  );
}
