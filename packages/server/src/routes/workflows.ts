import type { FastifyInstance } from 'fastify';
import type { JsonValue } from '@flowstate/core';
import { FINAL_EXECUTION_STATUSES } from '@flowstate/engine';
import { z } from 'zod';
import { auditActorOf } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import { httpError, parseRequest } from '../errors.js';
import { waitForFinish } from '../wait-outcome.js';
import type { WorkflowView } from '../workflow-service.js';

/** A workflow id: safe in URLs and file names. */
export const WorkflowIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/,
    'must be 1-200 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const IdParams = z.object({ id: WorkflowIdSchema });
const CreateQuery = z.object({ active: z.enum(['true', 'false']).optional() });
const DocumentBody = z.looseObject({ id: WorkflowIdSchema.optional() });
const RunBody = z
  .object({ input: z.unknown().optional(), triggerNodeId: z.string().min(1).optional() })
  .optional();
const RunQuery = z.object({ wait: z.coerce.number().int().min(0).max(300_000).optional() });

/** Parses an `If-Match` header (`"3"`, `W/"3"` or `3`) into the expected version. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match)
    throw httpError(
      'BAD_REQUEST',
      `If-Match must be a workflow version such as "3", got ${header}.`,
    );
  return Number(match[1]);
}

/** `/api/v1/workflows`: CRUD, activation and manual runs. */
export function registerWorkflowRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { workflows, engine, audit } = ctx;
  const viewer = { config: { access: 'viewer' } } as const;
  const editor = { config: { access: 'editor' } } as const;
  const summary = (view: WorkflowView) => ({
    name: view.name,
    version: view.currentVersion,
    active: view.active,
  });

  app.post('/workflows', editor, async (request, reply) => {
    const { active } = parseRequest(CreateQuery, request.query, 'query');
    const document = parseRequest(DocumentBody, request.body, 'workflow body');
    const view = await workflows.create({
      ...(document.id === undefined ? {} : { id: document.id }),
      document,
      active: active === 'true',
    });
    await audit.record(auditActorOf(request.principal), {
      action: 'workflow.create',
      target: { type: 'workflow', id: view.id },
      summary: { after: summary(view) },
    });
    return reply.code(201).header('etag', `"${view.currentVersion}"`).send(view);
  });

  app.get('/workflows', viewer, async () => ({ items: await workflows.list() }));

  app.get('/workflows/:id', viewer, async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const view = await workflows.get(id);
    return reply.header('etag', `"${view.currentVersion}"`).send(view);
  });

  app.put('/workflows/:id', editor, async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const document = parseRequest(DocumentBody, request.body, 'workflow body');
    if (document.id !== undefined && document.id !== id) {
      throw httpError(
        'INVALID_REQUEST',
        `Body id "${document.id}" does not match the URL id "${id}".`,
        [{ path: '/id', message: `must be "${id}" or absent` }],
      );
    }
    const expectVersion = parseIfMatch(request.headers['if-match']);
    const view = await workflows.update({
      id,
      document,
      ...(expectVersion === undefined ? {} : { expectVersion }),
    });
    await audit.record(auditActorOf(request.principal), {
      action: 'workflow.update',
      target: { type: 'workflow', id },
      summary: { before: { version: view.currentVersion - 1 }, after: summary(view) },
    });
    return reply.header('etag', `"${view.currentVersion}"`).send(view);
  });

  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    app.post(`/workflows/:id/${action}`, editor, async (request) => {
      const { id } = parseRequest(IdParams, request.params, 'path');
      const view = await workflows.setActive(id, active);
      await audit.record(auditActorOf(request.principal), {
        action: `workflow.${action}`,
        target: { type: 'workflow', id },
        summary: { after: summary(view) },
      });
      return view;
    });
  }

  app.delete('/workflows/:id', editor, async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const before = await workflows.get(id);
    await workflows.delete(id);
    await audit.record(auditActorOf(request.principal), {
      action: 'workflow.delete',
      target: { type: 'workflow', id },
      summary: { before: summary(before) },
    });
    return reply.code(204).send();
  });

  app.post('/workflows/:id/run', editor, async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const body = parseRequest(RunBody, request.body, 'run body') ?? {};
    const { wait } = parseRequest(RunQuery, request.query, 'query');
    const handle = await engine.startExecution({
      workflowId: id,
      input: (body.input ?? null) as JsonValue,
      ...(body.triggerNodeId === undefined ? {} : { triggerNodeId: body.triggerNodeId }),
    });
    if (wait === undefined || wait === 0) {
      return reply.code(202).send({ executionId: handle.executionId, status: 'running' });
    }
    const execution = await waitForFinish(engine, handle.executionId, wait);
    const finished = execution !== undefined && FINAL_EXECUTION_STATUSES.includes(execution.status);
    return reply.code(finished ? 200 : 202).send({ executionId: handle.executionId, execution });
  });
}
