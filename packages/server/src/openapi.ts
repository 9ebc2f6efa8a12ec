import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * Validates each request part with its Zod schema. Fastify hands a missing body to the
 * validator as `null`; where the body schema is optional, that (and a JSON `null` body) is
 * validated as no body, so `POST .../publish` without a body works as documented.
 */
const validateWithZod: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = validatorCompiler(route);
  if (route.httpPart !== 'body' || !z.safeParse(route.schema, undefined).success) return validate;
  return (data) => validate(data === null ? undefined : data);
};

/** Where the OpenAPI document is served (JSON). */
export const OPENAPI_PATH = '/api/docs';

/**
 * Wires request validation, response serialization and the OpenAPI document to the SAME Zod
 * schemas: each route's `schema` (params, querystring, headers, body, response) validates with
 * Zod (fastify-type-provider-zod) and is converted by Zod 4's own `z.toJSONSchema` for
 * @fastify/swagger. Schemas with a `.meta({ id })` become `components.schemas` entries.
 * Register before the plugins that hold the routes (its onRoute hook must see them).
 */
export function registerOpenApi(app: FastifyInstance, info: { version: string }): void {
  app.setValidatorCompiler(validateWithZod);
  app.setSerializerCompiler(serializerCompiler);
  // @fastify/swagger marks every request body required; these operations' bodies are not.
  const optionalBodies = new Set<string>();
  app.addHook('onRoute', (route) => {
    const body: unknown = route.schema?.body;
    if (!(body instanceof z.ZodType) || !z.safeParse(body, undefined).success) return;
    for (const method of [route.method].flat())
      optionalBodies.add(`${method.toLowerCase()} ${openApiPath(route.url)}`);
  });
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flowstate API',
        version: info.version,
        description:
          'REST API of Flowstate. Errors are `{ error: { code, message, details[] } }`; each detail has a JSON pointer `path`.',
      },
      tags: [
        { name: 'workflows', description: 'Workflows, versions, publishing, runs' },
        { name: 'transfer', description: 'Import and export of workflows' },
        { name: 'executions', description: 'Executions, steps and operator actions' },
        { name: 'events', description: 'External events' },
        { name: 'schedules', description: 'Cron schedules and next-run previews' },
        { name: 'approvals', description: 'Pending approvals, decided through the API or a link' },
        { name: 'auth', description: 'First-run setup, sign-in and sign-out, the current user' },
        { name: 'users', description: 'Users and their roles (admin)' },
        { name: 'api-keys', description: 'API keys, shown once and stored hashed' },
        { name: 'credentials', description: 'Encrypted credentials (never returned)' },
        { name: 'audit', description: 'The hash-chained audit log (admin)' },
        { name: 'settings', description: 'Instance settings' },
        { name: 'operations', description: 'Health and readiness' },
        { name: 'webhooks', description: 'Webhook triggers of active workflows' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  app.get(
    OPENAPI_PATH,
    { schema: { hide: true }, config: { access: 'public' } },
    async (_request, reply) => {
      const document = app.swagger() as {
        paths?: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
      };
      for (const [path, operations] of Object.entries(document.paths ?? {})) {
        for (const [method, operation] of Object.entries(operations)) {
          if (operation.requestBody && optionalBodies.has(`${method} ${path}`))
            operation.requestBody.required = false;
        }
      }
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(document));
    },
  );
}

/** Fastify's `/a/:id/*` as OpenAPI's `/a/{id}/{*}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}');
}
