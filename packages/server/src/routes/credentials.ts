import type { FastifyInstance } from 'fastify';
import { CREDENTIAL_TYPES } from '@flowstate/core';
import { z } from 'zod';
import { auditActorOf } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import { parseRequest } from '../errors.js';

const IdParams = z.object({ id: z.string().min(1).max(200) });
const Name = z.string().trim().min(1).max(200);
const CreateBody = z.object({ name: Name, type: z.string().min(1).max(100), data: z.unknown() });
const UpdateBody = z
  .object({ name: Name.optional(), data: z.record(z.string(), z.unknown()).optional() })
  .refine((body) => body.name !== undefined || body.data !== undefined, 'set name or data');

/**
 * `/api/v1/credentials`: typed, encrypted credentials. Responses carry the type, name and
 * non-secret fields only, never a secret value. Editors can list them (to pick one in a
 * node); creating, changing, deleting and key rotation need an admin.
 */
export function registerCredentialRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { credentials } = ctx;
  const editor = { config: { access: 'editor' } } as const;
  const admin = { config: { access: 'admin' } } as const;

  app.get('/credential-types', editor, async () => ({
    items: Object.values(CREDENTIAL_TYPES).map((t) => ({
      type: t.type,
      label: t.label,
      fields: Object.keys(t.schema.shape),
      secretFields: t.secretFields,
    })),
  }));

  app.get('/credentials', editor, async () => ({ items: await credentials.list() }));

  app.get('/credentials/:id', editor, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    return credentials.get(id);
  });

  app.post('/credentials', admin, async (request, reply) => {
    const body = parseRequest(CreateBody, request.body, 'credential body');
    const created = await credentials.create(auditActorOf(request.principal), body);
    return reply.code(201).send(created);
  });

  app.patch('/credentials/:id', admin, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const body = parseRequest(UpdateBody, request.body, 'credential patch');
    return credentials.update(auditActorOf(request.principal), id, body);
  });

  app.delete('/credentials/:id', admin, async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    await credentials.delete(auditActorOf(request.principal), id);
    return reply.code(204).send();
  });

  app.post('/credentials/rotate', admin, async (request) =>
    credentials.rotate(auditActorOf(request.principal)),
  );
}
