import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { JsonValue } from '@flowstate/core';
import { FINAL_EXECUTION_STATUSES } from '@flowstate/engine';
import { z } from 'zod';
import { authorOf } from '../access.js';
import { auditActorOf } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { errors, Json, StartedResponse, WaitQuery } from '../schemas/common.js';
import { ExecutionSchema } from '../schemas/executions.js';
import {
  WorkflowDocumentBody,
  WorkflowIdSchema,
  WorkflowRecordSchema,
  WorkflowViewSchema,
} from '../schemas/workflows.js';
import { waitForFinish } from '../wait-outcome.js';
import type { WorkflowView } from '../workflow-service.js';

export { WorkflowIdSchema };

const IdParams = z.object({ id: WorkflowIdSchema });
const Flag = z.enum(['true', 'false']).optional();
const SaveQuery = z.object({
  publish: Flag.meta({ description: 'Also publish the saved version' }),
  message: z.string().max(1000).optional().meta({ description: 'Version message' }),
});
const CreateQuery = SaveQuery.extend({
  active: Flag.meta({ description: 'Create active (publishes version 1)' }),
});
const UpdateQuery = SaveQuery.extend({
  baseVersion: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'The version the edit was based on (like If-Match)' }),
});
const IfMatchHeaders = z.looseObject({
  'if-match': z
    .string()
    .optional()
    .meta({ description: 'The draft version the edit was based on: "3"' }),
});
const RunBody = z
  .object({
    input: Json.optional(),
    triggerNodeId: z.string().min(1).optional(),
    simulate: z.boolean().optional().meta({
      description:
        'Simulate side effects: HTTP requests, emails, messages, file and SQL writes, CRM changes are recorded as they would be sent, not sent; sub-workflows, retries and re-runs of the execution simulate too',
    }),
  })
  .strict()
  .optional();
const RunQuery = z.object({
  wait: WaitQuery,
  draft: Flag.meta({ description: 'Run the draft instead of the published version' }),
});
const RunResponse = z.object({ executionId: z.string(), execution: ExecutionSchema.optional() });
const PublishBody = z
  .object({
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Version to publish (default: the draft); an older one rolls back' }),
  })
  .optional();

/** Parses an `If-Match` header (`"3"`, `W/"3"` or `3`) into the expected version. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match)
    throw httpError(
      'BAD_REQUEST',
      `If-Match must be a workflow version such as "3", got ${header}.`,
      [{ path: '/headers/if-match', message: 'must be a version number in quotes' }],
    );
  return Number(match[1]);
}

const withEtag = (reply: FastifyReply, view: WorkflowView) =>
  reply.header('etag', `"${view.draftVersion}"`).send(view);

/** `/api/v1/workflows`: CRUD, publishing, activation, manual and test runs. */
export function registerWorkflowRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { workflows, engine, audit } = ctx;
  const tags = ['workflows'];
  const summary = (view: WorkflowView) => ({
    name: view.name,
    draftVersion: view.draftVersion,
    publishedVersion: view.publishedVersion ?? null,
    active: view.active,
  });
  const record = (request: FastifyRequest, action: string, id: string, change: object) =>
    audit.record(auditActorOf(request.principal), {
      action,
      target: { type: 'workflow', id },
      summary: change as Record<string, JsonValue>,
    });

  api.post(
    '/workflows',
    {
      schema: {
        tags,
        summary: 'Create a workflow (version 1, a draft unless published or active)',
        querystring: CreateQuery,
        body: WorkflowDocumentBody,
        response: { 201: WorkflowViewSchema, ...errors(400, 409) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const { active, publish, message } = request.query;
      const view = await workflows.create({
        ...(request.body.id === undefined ? {} : { id: request.body.id }),
        document: request.body,
        active: active === 'true',
        publish: publish === 'true',
        author: authorOf(request),
        ...(message === undefined ? {} : { message }),
      });
      await record(request, 'workflow.create', view.id, { after: summary(view) });
      return withEtag(reply.code(201), view);
    },
  );

  api.get(
    '/workflows',
    {
      schema: {
        tags,
        summary: 'List workflows',
        response: {
          200: z.object({
            items: z.array(
              WorkflowRecordSchema.extend({
                tags: z.array(z.string()),
                description: z.string().optional(),
              }),
            ),
          }),
        },
      },
      config: { access: 'viewer' },
    },
    async () => ({ items: await workflows.listWithTags() }),
  );

  api.get(
    '/workflows/:id',
    {
      schema: {
        tags,
        summary: 'A workflow with its draft definition (ETag: the draft version)',
        params: IdParams,
        response: { 200: WorkflowViewSchema, ...errors(400, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request, reply) => withEtag(reply, await workflows.get(request.params.id)),
  );

  api.put(
    '/workflows/:id',
    {
      schema: {
        tags,
        summary: 'Save a new draft version (409 VERSION_CONFLICT with the diff when stale)',
        params: IdParams,
        querystring: UpdateQuery,
        headers: IfMatchHeaders,
        body: WorkflowDocumentBody,
        response: { 200: WorkflowViewSchema, ...errors(400, 404, 409) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.body.id !== undefined && request.body.id !== id) {
        throw httpError(
          'INVALID_REQUEST',
          `Body id "${request.body.id}" does not match the URL id "${id}".`,
          [{ path: '/body/id', message: `must be "${id}" or absent` }],
        );
      }
      const { publish, message, baseVersion } = request.query;
      const expectVersion = parseIfMatch(request.headers['if-match']) ?? baseVersion;
      const view = await workflows.update({
        id,
        document: request.body,
        ...(expectVersion === undefined ? {} : { expectVersion }),
        publish: publish === 'true',
        author: authorOf(request),
        ...(message === undefined ? {} : { message }),
      });
      await record(request, 'workflow.update', id, { after: summary(view) });
      return withEtag(reply, view);
    },
  );

  api.post(
    '/workflows/:id/publish',
    {
      schema: {
        tags,
        summary: 'Publish a version (default: the draft); publishing an older one is a rollback',
        params: IdParams,
        body: PublishBody,
        response: { 200: WorkflowViewSchema, ...errors(400, 404, 409) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const view = await workflows.publish(request.params.id, request.body?.version);
      await record(request, 'workflow.publish', view.id, { after: summary(view) });
      return withEtag(reply, view);
    },
  );

  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    api.post(
      `/workflows/:id/${action}`,
      {
        schema: {
          tags,
          summary: active
            ? 'Activate: triggers start running the published version'
            : 'Deactivate: triggers stop',
          params: IdParams,
          response: { 200: WorkflowViewSchema, ...errors(400, 404, 409) },
        },
        config: { access: 'editor' },
      },
      async (request) => {
        const view = await workflows.setActive(request.params.id, active);
        await record(request, `workflow.${action}`, view.id, { after: summary(view) });
        return view;
      },
    );
  }

  api.delete(
    '/workflows/:id',
    {
      schema: {
        tags,
        summary: 'Delete a workflow, its versions and its finished executions',
        params: IdParams,
        response: { 204: z.void(), ...errors(400, 404, 409) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const before = await workflows.get(request.params.id);
      await workflows.delete(request.params.id);
      await record(request, 'workflow.delete', before.id, { before: summary(before) });
      return reply.code(204).send();
    },
  );

  const runSchema = <Q extends z.ZodType>(summary: string, query: Q) => ({
    tags,
    summary,
    params: IdParams,
    querystring: query,
    body: RunBody,
    response: { 200: RunResponse, 202: StartedResponse.or(RunResponse), ...errors(400, 404, 409) },
  });

  const run = async (
    reply: FastifyReply,
    input: { id: string; body: z.infer<typeof RunBody>; wait?: number; draft: boolean },
  ) => {
    const body = input.body ?? {};
    const handle = await engine.startExecution({
      workflowId: input.id,
      input: (body.input ?? null) as JsonValue,
      draft: input.draft,
      ...(body.triggerNodeId === undefined ? {} : { triggerNodeId: body.triggerNodeId }),
      ...(body.simulate ? { simulate: true } : {}),
    });
    if (input.wait === undefined || input.wait === 0) {
      return reply.code(202).send({ executionId: handle.executionId, status: 'running' as const });
    }
    const execution = await waitForFinish(engine, handle.executionId, input.wait);
    const finished = execution !== undefined && FINAL_EXECUTION_STATUSES.includes(execution.status);
    return reply
      .code(finished ? 200 : 202)
      .send({ executionId: handle.executionId, ...(execution ? { execution } : {}) });
  };

  api.post(
    '/workflows/:id/run',
    {
      schema: runSchema('Run the published version (or the draft with draft=true)', RunQuery),
      config: { access: 'editor' },
    },
    async (request, reply) =>
      run(reply, {
        id: request.params.id,
        body: request.body,
        draft: request.query.draft === 'true',
        ...(request.query.wait === undefined ? {} : { wait: request.query.wait }),
      }),
  );

  api.post(
    '/workflows/:id/test',
    {
      schema: runSchema('Test-run the draft version', z.object({ wait: WaitQuery })),
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const { wait } = request.query;
      return run(reply, {
        id: request.params.id,
        body: request.body,
        draft: true,
        ...(wait === undefined ? {} : { wait }),
      });
    },
  );
}
