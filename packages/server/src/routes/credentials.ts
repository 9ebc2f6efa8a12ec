import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CREDENTIAL_TYPES } from '@flowstate/core';
import { z } from 'zod';
import { auditActorOf } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import { errors } from '../schemas/common.js';

const IdParams = z.object({ id: z.string().min(1).max(200) });
const Name = z.string().trim().min(1).max(200);
const CreateBody = z.object({
  name: Name,
  type: z.string().min(1).max(100).meta({ description: 'A type of GET /credential-types' }),
  data: z.unknown().meta({ description: "The type's fields, secret ones included" }),
});
const UpdateBody = z
  .object({
    name: Name.optional(),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Fields to change, merged over the stored ones' }),
  })
  .refine((body) => body.name !== undefined || body.data !== undefined, 'set name or data');

/** A credential as the API shows it: never a secret value. */
const CredentialSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    fields: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .meta({ description: 'The non-secret fields (header name, user name, host, ...)' }),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Credential' });
const CredentialTypeSchema = z.object({
  type: z.string(),
  label: z.string(),
  fields: z.array(z.string()),
  secretFields: z.array(z.string()),
});
const RotationResponse = z.object({
  rotated: z.number().meta({ description: 'Re-encrypted with the current key' }),
  current: z.number().meta({ description: 'Already on the current key' }),
  failed: z.array(z.object({ id: z.string(), name: z.string(), error: z.string() })),
});

/**
 * `/api/v1/credentials`: typed, encrypted credentials. Responses carry the type, name and
 * non-secret fields only, never a secret value. Editors can list them (to pick one in a
 * node); creating, changing, deleting and key rotation need an admin.
 */
export function registerCredentialRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { credentials } = ctx;
  const tags = ['credentials'];
  const editor = { access: 'editor' } as const;
  const admin = { access: 'admin' } as const;

  api.get(
    '/credential-types',
    {
      schema: {
        tags,
        summary: 'The credential types, their fields and which of them are secret',
        response: { 200: z.object({ items: z.array(CredentialTypeSchema) }) },
      },
      config: editor,
    },
    async () => ({
      items: Object.values(CREDENTIAL_TYPES).map((t) => ({
        type: t.type,
        label: t.label,
        fields: Object.keys(t.schema.shape),
        secretFields: [...t.secretFields],
      })),
    }),
  );

  api.get(
    '/credentials',
    {
      schema: {
        tags,
        summary: 'List credentials (no secret values)',
        response: { 200: z.object({ items: z.array(CredentialSchema) }) },
      },
      config: editor,
    },
    async () => ({ items: await credentials.list() }),
  );

  api.get(
    '/credentials/:id',
    {
      schema: {
        tags,
        summary: 'A credential (no secret values)',
        params: IdParams,
        response: { 200: CredentialSchema, ...errors(400, 404) },
      },
      config: editor,
    },
    async (request) => credentials.get(request.params.id),
  );

  api.post(
    '/credentials',
    {
      schema: {
        tags,
        summary: 'Create a credential; its secret fields are encrypted (AES-256-GCM)',
        body: CreateBody,
        response: { 201: CredentialSchema, ...errors(400, 409) },
      },
      config: admin,
    },
    async (request, reply) => {
      const created = await credentials.create(auditActorOf(request.principal), request.body);
      return reply.code(201).send(created);
    },
  );

  api.patch(
    '/credentials/:id',
    {
      schema: {
        tags,
        summary: 'Rename and/or change fields (merged, so secrets need not be sent again)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: CredentialSchema, ...errors(400, 404, 409) },
      },
      config: admin,
    },
    async (request) =>
      credentials.update(auditActorOf(request.principal), request.params.id, request.body),
  );

  api.delete(
    '/credentials/:id',
    {
      schema: {
        tags,
        summary: 'Delete a credential',
        params: IdParams,
        response: { 204: z.void(), ...errors(400, 404) },
      },
      config: admin,
    },
    async (request, reply) => {
      await credentials.delete(auditActorOf(request.principal), request.params.id);
      return reply.code(204).send();
    },
  );

  api.post(
    '/credentials/rotate',
    {
      schema: {
        tags,
        summary: 'Re-encrypt every credential with the current key',
        response: { 200: RotationResponse },
      },
      config: admin,
    },
    async (request) => credentials.rotate(auditActorOf(request.principal)),
  );
}
