import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';

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
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
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
    async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(JSON.stringify(app.swagger())),
  );
}
