import type { FastifyInstance } from 'fastify';
import { ROLES } from '@flowstate/engine';
import { z } from 'zod';
import { userView } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import { parseRequest } from '../errors.js';
import { userOf } from './auth.js';

const Role = z.enum(ROLES);
const IdParams = z.object({ id: z.string().min(1).max(200) });
const CreateBody = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(200).optional(),
  role: Role,
});
const PatchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    role: Role.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'set at least one of name, role, disabled');

/**
 * `/api/v1/users` (admin): list, create (with a first password the person changes), read,
 * and change name, role or disabled. Owner accounts and the owner role are the owner's to
 * change; the last enabled owner cannot be demoted or disabled (409).
 */
export function registerUserRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const admin = { config: { access: 'admin' } } as const;

  app.get('/users', admin, async () => ({ items: await ctx.users.list() }));

  app.post('/users', admin, async (request, reply) => {
    const body = parseRequest(CreateBody, request.body, 'user body');
    const user = await ctx.users.create(userOf(request), body);
    return reply.code(201).send(userView(user));
  });

  app.get('/users/:id', admin, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    return userView(await ctx.users.get(id));
  });

  app.patch('/users/:id', admin, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const patch = parseRequest(PatchBody, request.body, 'user patch');
    return userView(await ctx.users.update(userOf(request), id, patch));
  });
}
