import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CREATE_SCHEMAS,
  EntityEventSchema,
  PATCH_SCHEMAS,
  RECORD_SCHEMAS,
  TABLE_SPECS,
  logActivity,
  parseListQuery,
  type RecordType,
} from '@flowstate/crm';
import type { ServerContext } from '../../context.js';
import type { CrmContext } from '../../crm/crm-context.js';
import { sourceOf } from '../../crm/crm-context.js';
import { errors } from '../../schemas/common.js';

/** URL segment of each record type. */
export const RECORD_PATHS: Readonly<Record<RecordType, string>> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  task: 'tasks',
  activity: 'activities',
};

const IdParams = z.object({ id: z.string().min(1).max(100) });

/** The list query of a type: documented filters on its indexed fields, sort, cursor, limit. */
function listQuerySchema(type: RecordType) {
  const spec = TABLE_SPECS[type];
  const filters = Object.fromEntries(
    spec.filterable.map((field) => [
      field,
      z.string().max(500).optional().meta({
        description: `Filter: a value, or op:value with op eq|ne|lt|lte|gt|gte; "null" for none`,
      }),
    ]),
  );
  return z.looseObject({
    ...filters,
    sort: z
      .string()
      .max(100)
      .optional()
      .meta({
        description: `One of ${spec.sortable.join(', ')}; prefix - for descending (default -createdAt)`,
      }),
    cursor: z
      .string()
      .max(2000)
      .optional()
      .meta({ description: 'nextCursor of the previous page' }),
    limit: z.string().max(4).optional().meta({ description: 'Page size, 1-500 (default 50)' }),
  });
}

const RunLink = z.object({
  executionId: z.string(),
  workflowId: z.string(),
  source: z
    .enum(['trigger', 'step'])
    .meta({ description: "Started by the record's event, or a crm.* step wrote it" }),
  createdAt: z.number(),
  status: z
    .string()
    .optional()
    .meta({ description: "The execution's status (absent when pruned)" }),
});

/**
 * `/api/v1/crm/{contacts,companies,deals,tasks,activities}`: keyset-paginated lists with
 * filters and sorts on indexed fields, create, read, change (a stage change must pass the
 * stage's rules: 422 STAGE_RULE_FAILED), delete, and per record its entity events and the
 * executions that touched it.
 */
export function registerCrmRecordRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  crm: CrmContext,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { service } = crm;
  for (const type of Object.keys(RECORD_PATHS) as RecordType[]) {
    const path = `/crm/${RECORD_PATHS[type]}`;
    const tags = ['crm'];
    const Record = RECORD_SCHEMAS[type];

    api.get(
      path,
      {
        schema: {
          tags,
          summary: `List ${RECORD_PATHS[type]} (filters and sorts on indexed fields, cursor pages)`,
          querystring: listQuerySchema(type),
          response: {
            200: z.object({ items: z.array(Record), nextCursor: z.string().optional() }),
            ...errors(400),
          },
        },
        config: { access: 'viewer' },
      },
      async (request) =>
        service.list(type, parseListQuery(type, request.query as Record<string, unknown>)) as never,
    );

    api.post(
      path,
      {
        schema: {
          tags,
          summary: `Create a ${type}`,
          body: CREATE_SCHEMAS[type],
          response: { 201: Record, ...errors(400, 404, 422) },
        },
        config: { access: 'editor' },
      },
      async (request, reply) => {
        const created =
          type === 'activity'
            ? await logActivity(service, {
                activity: request.body,
                config: crm.score,
                source: sourceOf(request),
              })
            : await service.create(type, request.body, sourceOf(request));
        return reply.code(201).send(created as never);
      },
    );

    api.get(
      `${path}/:id`,
      {
        schema: {
          tags,
          summary: `One ${type}`,
          params: IdParams,
          response: { 200: Record, ...errors(404) },
        },
        config: { access: 'viewer' },
      },
      async (request) => service.get(type, request.params.id) as never,
    );

    api.patch(
      `${path}/:id`,
      {
        schema: {
          tags,
          summary: `Change a ${type}${type === 'contact' || type === 'deal' ? ' (a new stage must pass its rules)' : ''}`,
          params: IdParams,
          body: PATCH_SCHEMAS[type],
          response: { 200: Record, ...errors(400, 404, 422) },
        },
        config: { access: 'editor' },
      },
      async (request) => {
        const updated = await service.update(
          type,
          request.params.id,
          request.body,
          sourceOf(request),
        );
        return updated as never;
      },
    );

    api.delete(
      `${path}/:id`,
      {
        schema: {
          tags,
          summary: `Delete a ${type}`,
          params: IdParams,
          response: { 204: z.null(), ...errors(404) },
        },
        config: { access: 'editor' },
      },
      async (request, reply) => {
        await service.delete(type, request.params.id, sourceOf(request));
        return reply.code(204).send(null);
      },
    );

    api.get(
      `${path}/:id/events`,
      {
        schema: {
          tags,
          summary: `The entity events of a ${type}, oldest first`,
          params: IdParams,
          querystring: z.object({
            afterSeq: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(EntityEventSchema) }) },
        },
        config: { access: 'viewer' },
      },
      async (request) => ({
        items: (await service.store.listEvents({
          recordType: type,
          recordId: request.params.id,
          afterSeq: request.query.afterSeq,
          limit: request.query.limit,
        })) as never,
      }),
    );

    api.get(
      `${path}/:id/runs`,
      {
        schema: {
          tags,
          summary: `Executions that touched a ${type}: started by its events or written by crm.* steps`,
          params: IdParams,
          response: { 200: z.object({ items: z.array(RunLink) }) },
        },
        config: { access: 'viewer' },
      },
      async (request) => {
        const links = await service.store.listExecutionLinks(type, request.params.id);
        const items = await Promise.all(
          links.map(async (link) => {
            const execution = await ctx.store.getExecution(link.executionId);
            return {
              executionId: link.executionId,
              workflowId: link.workflowId,
              source: link.source,
              createdAt: link.createdAt,
              ...(execution ? { status: execution.status } : {}),
            };
          }),
        );
        return { items };
      },
    );
  }

  for (const type of ['contact', 'deal'] as const) {
    api.post(
      `/crm/${RECORD_PATHS[type]}/:id/move`,
      {
        schema: {
          tags: ['crm'],
          summary: `Move a ${type} to a stage of its pipeline (the stage's rules must hold; 422 STAGE_RULE_FAILED names the rule)`,
          params: IdParams,
          body: z.object({ stage: z.string().min(1).max(100) }).strict(),
          response: { 200: RECORD_SCHEMAS[type], ...errors(400, 404, 422) },
        },
        config: { access: 'editor' },
      },
      async (request) => {
        const moved = await service.update(
          type,
          request.params.id,
          { stage: request.body.stage },
          sourceOf(request),
        );
        return moved as never;
      },
    );
  }
}
