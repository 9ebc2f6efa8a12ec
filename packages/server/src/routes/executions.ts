import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { JsonValue } from '@flowstate/core';
import type { ExecutionRecord } from '@flowstate/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { executionDetailView, executionSummary } from '../execution-view.js';
import { errors, Json, Limit, StartedResponse, Timestamp } from '../schemas/common.js';
import {
  ExecutionDetailSchema,
  ExecutionSchema,
  ExecutionStatusSchema,
  ExecutionSummarySchema,
} from '../schemas/executions.js';

const ListQuery = z.object({
  workflowId: z.string().min(1).optional(),
  status: ExecutionStatusSchema.optional(),
  triggerNodeId: z.string().min(1).optional(),
  triggerType: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Trigger node type, e.g. trigger.webhook' }),
  from: Timestamp.optional().meta({ description: 'Created at or after' }),
  to: Timestamp.optional().meta({ description: 'Created before' }),
  q: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Text the trigger input contains (case-insensitive)' }),
  limit: Limit,
  cursor: z.string().min(1).optional().meta({ description: 'nextCursor of the previous page' }),
});
const IdParams = z.object({ id: z.string().min(1).max(200) });
const StepParams = IdParams.extend({
  key: z.string().min(1).max(2000).meta({ description: 'URL-encoded step key' }),
});
const RerunFromBody = z.object({
  nodeId: z.string().min(1).max(200).meta({ description: 'Top-level node to run again from' }),
  draft: z
    .boolean()
    .optional()
    .meta({ description: "Run the workflow's draft (what the editor shows) instead" }),
  version: z
    .int()
    .min(1)
    .optional()
    .meta({ description: "Run this version (wins over draft); default: the execution's" }),
});
const Page = z.object({
  items: z.array(ExecutionSummarySchema),
  nextCursor: z.string().nullable(),
});

/** Opaque page cursor: the last item's creation time and id. */
export function encodeCursor(execution: Pick<ExecutionRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([execution.createdAt, execution.id])).toString('base64url');
}

/** Reads a cursor made by `encodeCursor`; 400 when it was not. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // reported below
  }
  throw httpError(
    'INVALID_REQUEST',
    'cursor is not a value returned as nextCursor by this endpoint.',
    [{ path: '/query/cursor', message: 'invalid cursor' }],
  );
}

/** `/api/v1/executions`: list, detail, payloads and operator actions. */
export function registerExecutionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { engine, store } = ctx;
  const tags = ['executions'];

  api.get(
    '/executions',
    {
      schema: {
        tags,
        summary: 'List executions, newest first, with filters and cursor pagination',
        querystring: ListQuery,
        response: { 200: Page, ...errors(400) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const query = request.query;
      const optional = {
        workflowId: query.workflowId,
        status: query.status,
        triggerNodeId: query.triggerNodeId,
        triggerType: query.triggerType,
        createdFrom: query.from,
        createdTo: query.to,
        text: query.q,
        before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      };
      const page = await store.listExecutions({
        limit: query.limit + 1,
        ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
      });
      const items = page.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items: items.map(executionSummary),
        nextCursor: page.length > query.limit && last ? encodeCursor(last) : null,
      };
    },
  );

  const loadDetail = async (id: string) => {
    const detail = await engine.getExecutionDetail(id);
    if (!detail) throw httpError('EXECUTION_NOT_FOUND', `Execution "${id}" does not exist.`);
    return detail;
  };

  api.get(
    '/executions/:id',
    {
      schema: {
        tags,
        summary: 'An execution with its step timeline, payloads (large ones linked) and relatives',
        params: IdParams,
        response: { 200: ExecutionDetailSchema, ...errors(404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const detail = await loadDetail(request.params.id);
      const version = await store.getWorkflowVersion(
        detail.execution.workflowId,
        detail.execution.workflowVersion,
      );
      return executionDetailView({
        detail,
        ...(version ? { definition: version.definition } : {}),
        inlineBytes: ctx.inlinePayloadBytes,
        base: '/api/v1',
      });
    },
  );

  const sendValue = (value: JsonValue | undefined, what: string) => {
    if (value === undefined) throw httpError('PAYLOAD_NOT_FOUND', `${what} has no value.`);
    return JSON.stringify(value);
  };
  for (const part of ['input', 'output'] as const) {
    api.get(
      `/executions/:id/${part}`,
      {
        schema: {
          tags,
          summary: `The execution's ${part === 'input' ? 'trigger input' : 'output'} (JSON)`,
          params: IdParams,
          response: { 200: Json, ...errors(404) },
        },
        config: { access: 'viewer' },
      },
      async (request, reply) => {
        const execution = await store.getExecution(request.params.id);
        if (!execution)
          throw httpError(
            'EXECUTION_NOT_FOUND',
            `Execution "${request.params.id}" does not exist.`,
          );
        const text = sendValue(execution[part], `The ${part} of execution ${execution.id}`);
        return reply.type('application/json; charset=utf-8').serializer(String).send(text);
      },
    );
    api.get(
      `/executions/:id/steps/:key/${part}`,
      {
        schema: {
          tags,
          summary: `A step's stored ${part} (JSON), for payloads too large to inline`,
          params: StepParams,
          response: { 200: Json, ...errors(404) },
        },
        config: { access: 'viewer' },
      },
      async (request, reply) => {
        const { id, key } = request.params;
        const detail = await loadDetail(id);
        const step = detail.steps.find((s) => s.key === key);
        if (!step)
          throw httpError('STEP_NOT_FOUND', `Execution "${id}" has no step "${key}".`, [
            { path: '/params/key', message: 'no such step' },
          ]);
        const text = sendValue(step[part], `The ${part} of step ${key}`);
        return reply.type('application/json; charset=utf-8').serializer(String).send(text);
      },
    );
  }

  const actions = {
    cancel: (id: string) => engine.cancel(id),
    pause: (id: string) => engine.pause(id),
    resume: (id: string) => engine.resume(id),
    retry: (id: string) => engine.retry(id),
  } as const;
  const summaries = {
    cancel: 'Cancel a running or paused execution (and its children)',
    pause: 'Pause a running execution: no further step starts',
    resume: 'Resume a paused execution',
    retry: 'Retry a failed execution from its failed steps, keeping completed outputs',
  } as const;
  for (const [action, run] of Object.entries(actions) as [
    keyof typeof actions,
    (id: string) => Promise<ExecutionRecord>,
  ][]) {
    api.post(
      `/executions/:id/${action}`,
      {
        schema: {
          tags,
          summary: summaries[action],
          params: IdParams,
          response: { 200: z.object({ execution: ExecutionSchema }), ...errors(404, 409) },
        },
        config: { access: 'editor' },
      },
      async (request) => ({ execution: await run(request.params.id) }),
    );
  }

  api.post(
    '/executions/:id/rerun',
    {
      schema: {
        tags,
        summary: 'Start a new execution of the same version with the same input',
        params: IdParams,
        response: { 202: StartedResponse, ...errors(404, 409) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const handle = await engine.rerun(request.params.id);
      return reply.code(202).send({ executionId: handle.executionId, status: 'running' as const });
    },
  );

  api.post(
    '/executions/:id/rerun-from',
    {
      schema: {
        tags,
        summary:
          'Start a new execution from a node, reusing the recorded outputs of the steps upstream of it',
        description:
          "The steps upstream of `nodeId` that succeeded are not run again (their side effects are not repeated): their recorded outputs are reused. `nodeId` and everything downstream run fresh, in the execution's version, the `version` given or the draft.",
        params: IdParams,
        body: RerunFromBody,
        response: { 202: StartedResponse, ...errors(400, 404, 409) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const { nodeId, draft, version } = request.body;
      const handle = await engine.rerunFrom(request.params.id, nodeId, {
        ...(draft === undefined ? {} : { draft }),
        ...(version === undefined ? {} : { version }),
      });
      return reply.code(202).send({ executionId: handle.executionId, status: 'running' as const });
    },
  );
}
