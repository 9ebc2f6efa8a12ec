import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { httpError } from '../errors.js';
import { errors } from '../schemas/common.js';
import {
  summarizeExecution,
  summarizeStep,
  type LiveEvent,
  type LiveFilter,
} from '../live/event-hub.js';
import { openSse, type SseStream } from '../live/sse.js';

const GlobalQuery = z.object({
  workflowId: z.string().min(1).max(200).optional().meta({ description: 'Only this workflow' }),
  steps: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'false: execution events only (default true)' }),
  lastEventId: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'Same as the Last-Event-ID header (for clients that cannot set it)' }),
  entities: z
    .enum(['include', 'only'])
    .optional()
    .meta({ description: 'CRM record changes (`entity` events): include them, or only them' }),
});
const ExecutionQuery = GlobalQuery.pick({ lastEventId: true });
const IdParams = z.object({ id: z.string().min(1).max(200) });
const LastEventIdHeader = z.looseObject({
  'last-event-id': z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'Id of the last event received; the stream resumes after it' }),
});
const EVENT_STREAM = {
  description:
    'text/event-stream: `execution` and `step` events (status and timings), `entity` events (CRM record changes, with `?entities=`), `snapshot` (one execution), `reset` (events were missed: refetch)',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

function lastEventId(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  // EventSource cannot set headers on its first request; `?lastEventId=` serves polyfills.
  const query = (request.query as { lastEventId?: unknown }).lastEventId;
  const id = value ?? (typeof query === 'string' ? query : undefined);
  return id === undefined || id.trim() === '' ? undefined : id.trim();
}

/** Streams answer clients that ask for one (`EventSource` sends `Accept: text/event-stream`). */
function requireEventStream(request: FastifyRequest): void {
  if (String(request.headers.accept ?? '').includes('text/event-stream')) return;
  throw httpError(
    'NOT_ACCEPTABLE',
    'This is a Server-Sent Events stream: send "Accept: text/event-stream" (EventSource does).',
    [{ path: '/headers/accept', message: 'must include text/event-stream' }],
  );
}

function sendEvent(stream: SseStream, event: LiveEvent): void {
  stream.send({ id: event.id, event: event.type, data: event.data });
}

/**
 * Server-Sent Events of execution and step changes:
 * - `GET /api/v1/executions/stream` every execution (`?workflowId=`, `?steps=false`);
 * - `GET /api/v1/executions/:id/stream` one execution, opening with a `snapshot` event.
 * Both resume after `Last-Event-ID`; when the events since then are no longer known (another
 * process, too old) the stream sends `reset` (global) or a fresh `snapshot` (one execution).
 */
export function registerLiveRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { live, sseStreams, engine, store } = ctx;

  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['executions'];

  api.get(
    '/executions/stream',
    {
      schema: {
        tags,
        summary: 'Live execution and step events of every execution (Server-Sent Events)',
        querystring: GlobalQuery,
        headers: LastEventIdHeader,
        produces: ['text/event-stream'],
        response: { 200: z.string().meta(EVENT_STREAM), ...errors(400, 406) },
      },
      config: { access: 'viewer' },
    },
    async (request, reply) => {
      requireEventStream(request);
      const query = request.query;
      const filter: LiveFilter = {
        ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
        steps: query.steps !== 'false',
        ...(query.entities === undefined ? {} : { entities: query.entities }),
      };
      const resumeFrom = lastEventId(request);
      const stream = openSse(reply, sseStreams);
      if (resumeFrom !== undefined) {
        const replay = live.replay(resumeFrom, filter);
        if (replay.kind === 'gap')
          stream.send({ event: 'reset', data: { reason: 'events missed' } });
        else for (const event of replay.events) sendEvent(stream, event);
      }
      stream.onClose(live.subscribe(filter, (event) => sendEvent(stream, event)));
    },
  );

  api.get(
    '/executions/:id/stream',
    {
      schema: {
        tags,
        summary: 'Live events of one execution, opening with a snapshot (Server-Sent Events)',
        params: IdParams,
        querystring: ExecutionQuery,
        headers: LastEventIdHeader,
        produces: ['text/event-stream'],
        response: { 200: z.string().meta(EVENT_STREAM), ...errors(400, 404, 406) },
      },
      config: { access: 'viewer' },
    },
    async (request, reply) => {
      requireEventStream(request);
      const { id } = request.params;
      const filter: LiveFilter = { executionId: id };
      const resumeFrom = lastEventId(request);
      const replay = resumeFrom === undefined ? undefined : live.replay(resumeFrom, filter);
      // Subscribe before reading the snapshot so no change falls between the two; events that
      // arrive meanwhile are held back and sent after it (a repeated change is harmless).
      const held: LiveEvent[] = [];
      let stream: SseStream | undefined;
      const unsubscribe = live.subscribe(filter, (event) => {
        if (stream === undefined) held.push(event);
        else sendEvent(stream, event);
      });
      try {
        if (replay?.kind === 'events') {
          if (!(await store.getExecution(id))) {
            throw httpError('EXECUTION_NOT_FOUND', `Execution "${id}" does not exist.`);
          }
          stream = openSse(reply, sseStreams);
          for (const event of replay.events) sendEvent(stream, event);
        } else {
          const detail = await engine.getExecutionDetail(id);
          if (!detail) throw httpError('EXECUTION_NOT_FOUND', `Execution "${id}" does not exist.`);
          const version = await store.getWorkflowVersion(
            detail.execution.workflowId,
            detail.execution.workflowVersion,
          );
          const types = new Map(version?.definition.nodes.map((node) => [node.id, node.type]));
          stream = openSse(reply, sseStreams);
          stream.send({
            event: 'snapshot',
            data: {
              execution: summarizeExecution(detail.execution),
              steps: detail.steps.map((step) => summarizeStep(step, types.get(step.nodeId))),
              children: detail.children.map(summarizeExecution),
            },
          });
        }
      } catch (error) {
        unsubscribe();
        throw error;
      }
      for (const event of held.splice(0)) sendEvent(stream, event);
      stream.onClose(unsubscribe);
    },
  );
}
