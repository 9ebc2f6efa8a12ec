import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CrmError,
  FieldDefinitionSchema,
  PipelineInputSchema,
  PipelineSchema,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  StageSchema,
  type Pipeline,
} from '@flowstate/crm';
import { randomUUID } from 'node:crypto';
import type { CrmContext } from '../../crm/crm-context.js';
import { errors } from '../../schemas/common.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const FieldParams = z.object({ recordType: z.enum(RECORD_TYPES), key: z.string().min(1).max(64) });

/**
 * `/api/v1/crm/pipelines` (ordered stages with their rules; the board view) and
 * `/api/v1/crm/fields` (custom field definitions per record type).
 */
export function registerCrmPipelineRoutes(app: FastifyInstance, crm: CrmContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { service } = crm;
  const tags = ['crm'];

  api.get(
    '/crm/pipelines',
    {
      schema: {
        tags,
        summary: 'Pipelines with their ordered stages and rules',
        response: { 200: z.object({ items: z.array(PipelineSchema) }) },
      },
      config: { access: 'viewer' },
    },
    async () => {
      await service.ensureDefaults();
      return { items: await service.store.listPipelines() };
    },
  );

  api.post(
    '/crm/pipelines',
    {
      schema: {
        tags,
        summary: 'Create a pipeline',
        body: PipelineInputSchema,
        response: { 201: PipelineSchema, ...errors(400) },
      },
      config: { access: 'admin' },
    },
    async (request, reply) => {
      const now = service.now();
      const pipeline: Pipeline = {
        ...request.body,
        id: randomUUID(),
        createdAt: now,
        updatedAt: now,
      };
      await service.store.putPipeline(pipeline);
      return reply.code(201).send(pipeline);
    },
  );

  api.get(
    '/crm/pipelines/:id',
    {
      schema: {
        tags,
        summary: 'One pipeline',
        params: IdParams,
        response: { 200: PipelineSchema, ...errors(404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => service.pipeline(request.params.id),
  );

  api.put(
    '/crm/pipelines/:id/stages',
    {
      schema: {
        tags,
        summary: 'Replace the ordered stages (and rules) of a pipeline',
        params: IdParams,
        body: z.object({ stages: z.array(StageSchema).min(1).max(100) }).strict(),
        response: { 200: PipelineSchema, ...errors(400, 404) },
      },
      config: { access: 'admin' },
    },
    async (request) => {
      const pipeline = await service.pipeline(request.params.id);
      const next = { ...pipeline, stages: request.body.stages, updatedAt: service.now() };
      await service.store.putPipeline(next);
      return next;
    },
  );

  api.delete(
    '/crm/pipelines/:id',
    {
      schema: {
        tags,
        summary: 'Delete a pipeline that holds no records',
        params: IdParams,
        response: { 204: z.null(), ...errors(404, 409) },
      },
      config: { access: 'admin' },
    },
    async (request, reply) => {
      const pipeline = await service.pipeline(request.params.id);
      const inUse = await service.list(pipeline.recordType, {
        filters: [{ field: 'pipelineId', op: 'eq', value: pipeline.id }],
        sort: { field: 'createdAt', direction: 'asc' },
        limit: 1,
      });
      if (inUse.items.length > 0) {
        throw new CrmError(
          'PIPELINE_IN_USE',
          `Pipeline "${pipeline.name}" still holds ${pipeline.recordType}s; move or delete them first`,
          { details: [{ path: '/id', message: 'pipeline in use' }] },
        );
      }
      await service.store.deletePipeline(pipeline.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/crm/pipelines/:id/board',
    {
      schema: {
        tags,
        summary:
          'The pipeline board: each stage with its most recently moved records (first page) and a cursor per stage',
        params: IdParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(25),
          ownerId: z.string().max(100).optional(),
        }),
        response: {
          200: z.object({
            pipeline: PipelineSchema,
            stages: z.array(
              z.object({
                stage: z.string(),
                items: z.array(z.union([RECORD_SCHEMAS.contact, RECORD_SCHEMAS.deal])),
                nextCursor: z.string().optional(),
              }),
            ),
          }),
          ...errors(404),
        },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const pipeline = await service.pipeline(request.params.id);
      const stages = await Promise.all(
        pipeline.stages.map(async (stage) => {
          const page = await service.list(pipeline.recordType, {
            filters: [
              { field: 'pipelineId', op: 'eq', value: pipeline.id },
              { field: 'stage', op: 'eq', value: stage.id },
              ...(request.query.ownerId
                ? [{ field: 'ownerId', op: 'eq' as const, value: request.query.ownerId }]
                : []),
            ],
            sort: { field: 'stageChangedAt', direction: 'desc' },
            limit: request.query.limit,
          });
          return { stage: stage.id, ...page };
        }),
      );
      return { pipeline, stages: stages as never };
    },
  );

  api.get(
    '/crm/fields',
    {
      schema: {
        tags,
        summary: 'Custom field definitions',
        querystring: z.object({ recordType: z.enum(RECORD_TYPES).optional() }),
        response: { 200: z.object({ items: z.array(FieldDefinitionSchema) }) },
      },
      config: { access: 'viewer' },
    },
    async (request) => ({
      items: await service.store.listFieldDefinitions(request.query.recordType),
    }),
  );

  api.put(
    '/crm/fields/:recordType/:key',
    {
      schema: {
        tags,
        summary: 'Define (or change) a custom field',
        params: FieldParams,
        body: FieldDefinitionSchema.omit({ recordType: true, key: true }),
        response: { 200: FieldDefinitionSchema, ...errors(400) },
      },
      config: { access: 'admin' },
    },
    async (request) => {
      const definition = FieldDefinitionSchema.parse({ ...request.body, ...request.params });
      await service.store.putFieldDefinition(definition, service.now());
      return definition;
    },
  );

  api.delete(
    '/crm/fields/:recordType/:key',
    {
      schema: {
        tags,
        summary: 'Remove a custom field definition (values stay on records until changed)',
        params: FieldParams,
        response: { 204: z.null(), ...errors(404) },
      },
      config: { access: 'admin' },
    },
    async (request, reply) => {
      if (
        !(await service.store.deleteFieldDefinition(request.params.recordType, request.params.key))
      ) {
        throw new CrmError(
          'CRM_RECORD_NOT_FOUND',
          `No custom field "${request.params.key}" on ${request.params.recordType}s`,
          { details: [{ path: '/key', message: 'not defined' }] },
        );
      }
      return reply.code(204).send(null);
    },
  );
}
