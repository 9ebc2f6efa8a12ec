import type { FastifyInstance } from 'fastify';
import type { ExecutionRecord } from '@flowstate/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError, parseRequest } from '../errors.js';

const STATUSES = ['running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;

const ListQuery = z.object({
  workflowId: z.string().min(1).optional(),
  status: z.enum(STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});
const IdParams = z.object({ id: z.string().min(1).max(200) });

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

/** `/api/v1/executions`: list, detail and operator actions. */
export function registerExecutionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { engine, store } = ctx;

  app.get('/executions', { config: { access: 'viewer' } }, async (request) => {
    const query = parseRequest(ListQuery, request.query, 'query');
    const page = await store.listExecutions({
      limit: query.limit + 1,
      ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.cursor === undefined ? {} : { before: decodeCursor(query.cursor) }),
    });
    const items = page.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: page.length > query.limit && last ? encodeCursor(last) : null };
  });

  app.get('/executions/:id', { config: { access: 'viewer' } }, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const detail = await engine.getExecutionDetail(id);
    if (!detail) throw httpError('EXECUTION_NOT_FOUND', `Execution "${id}" does not exist.`);
    return detail;
  });

  const actions = {
    cancel: (id: string) => engine.cancel(id),
    pause: (id: string) => engine.pause(id),
    resume: (id: string) => engine.resume(id),
    retry: (id: string) => engine.retry(id),
  } as const;
  for (const [action, run] of Object.entries(actions)) {
    app.post(`/executions/:id/${action}`, { config: { access: 'editor' } }, async (request) => {
      const { id } = parseRequest(IdParams, request.params, 'path');
      return { execution: await run(id) };
    });
  }

  app.post('/executions/:id/rerun', { config: { access: 'editor' } }, async (request, reply) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    const handle = await engine.rerun(id);
    return reply.code(202).send({ executionId: handle.executionId, status: 'running' });
  });
}
