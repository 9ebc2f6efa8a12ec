import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userView } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import { RoleSchema, UserSchema } from '../schemas/auth.js';
import { errors } from '../schemas/common.js';
import { userOf } from './auth.js';

const IdParams = z.object({ id: z.string().min(1).max(200) });
const CreateBody = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(200).optional(),
  role: RoleSchema,
});
const PatchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    role: RoleSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'set at least one of name, role, disabled');

/**
 * `/api/v1/users` (admin): list, create (with a first password the person changes), read,
 * and change name, role or disabled. Owner accounts and the owner role are the owner's to
 * change; the last enabled owner cannot be demoted or disabled (409).
 */
export function registerUserRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];
  const config = { access: 'admin' } as const;

  api.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List users',
        response: { 200: z.object({ items: z.array(UserSchema) }) },
      },
      config,
    },
    async () => ({ items: await ctx.users.list() }),
  );

  api.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user with a first password (only the owner may create owners)',
        body: CreateBody,
        response: { 201: UserSchema, ...errors(400, 403, 409) },
      },
      config,
    },
    async (request, reply) => {
      const user = await ctx.users.create(userOf(request), request.body);
      return reply.code(201).send(userView(user));
    },
  );

  api.get(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'A user',
        params: IdParams,
        response: { 200: UserSchema, ...errors(400, 404) },
      },
      config,
    },
    async (request) => userView(await ctx.users.get(request.params.id)),
  );

  api.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Change name, role or disabled (409 LAST_OWNER for the last enabled owner)',
        params: IdParams,
        body: PatchBody,
        response: { 200: UserSchema, ...errors(400, 403, 404, 409) },
      },
      config,
    },
    async (request) =>
      userView(await ctx.users.update(userOf(request), request.params.id, request.body)),
  );
}
