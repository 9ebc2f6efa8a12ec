import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JsonValue, WebhookResponse } from '@flowstate/core';
import { REDACTED, type ExecutionRecord } from '@flowstate/engine';
import type { ServerContext } from '../context.js';
import { httpError, sendError } from '../errors.js';

/** Response header carrying the id of the execution a webhook call started. */
export const EXECUTION_ID_HEADER = 'x-flowstate-execution-id';

/** Headers a workflow may not set on its webhook response: the server frames the body itself. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);

/**
 * `/hooks/*`: the benchmark hot path. One in-memory route lookup, one `startExecution`, then the
 * first of: the `webhook.respond` response, the finished execution's output, or 202 after the
 * trigger's (or server's) timeout. No database read of the workflow, no per-request info logs.
 * A trigger with a rate limit or `auth` is checked first (429 / 401); one without costs two
 * property reads.
 */
export function registerWebhookRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { router, engine } = ctx;
  const options = {
    schema: {
      tags: ['webhooks'],
      summary: 'Start the active workflow whose trigger.webhook serves this method and path',
      description:
        "Answers with the `webhook.respond` response or the finished output, or 202 `{ executionId }` after the response timeout. The path after /hooks/ is the trigger's `path` param.",
    },
    config: { access: 'webhook' as const },
  };
  app.all('/hooks/*', options, async (request, reply) => {
    const rawPath = (request.params as { '*': string })['*'];
    const match = router.match(request.method, rawPath);
    if (match.kind === 'not-found') {
      throw httpError('WEBHOOK_NOT_FOUND', `No active workflow listens on /hooks/${rawPath}.`);
    }
    if (match.kind === 'method-not-allowed') {
      reply.header('allow', match.allowed.join(', '));
      throw httpError(
        'METHOD_NOT_ALLOWED',
        `/hooks/${rawPath} does not accept ${request.method}; allowed: ${match.allowed.join(', ')}.`,
      );
    }
    const { route } = match;
    const limit = route.rateLimit ?? ctx.webhookRateLimit;
    if (limit !== undefined) {
      const decision = ctx.webhookRateLimits.take(limit, route.path);
      if (!decision.ok) {
        const seconds = Math.ceil(decision.retryAfterMs / 1000);
        reply.header('retry-after', String(seconds));
        throw httpError(
          'RATE_LIMITED',
          `Too many calls to /hooks/${route.path}; retry in ${seconds} s.`,
        );
      }
    }
    let headers = request.headers as JsonValue;
    if (route.auth !== undefined) {
      const secretHeaders = await ctx.webhookAuth.verify(route, route.auth, request, reply);
      if (secretHeaders.length > 0) headers = withoutSecrets(request.headers, secretHeaders);
    }
    const handle = await engine.startExecution({
      workflowId: route.workflowId,
      version: route.version,
      triggerNodeId: route.triggerNodeId,
      input: {
        body: (request.body ?? null) as JsonValue,
        headers,
        query: request.query as JsonValue,
        method: request.method,
        path: `/${route.path}`,
      },
    });
    reply.header(EXECUTION_ID_HEADER, handle.executionId);
    const outcome = await handle.outcomeWithin(
      route.responseTimeoutMs ?? ctx.webhookResponseTimeoutMs,
    );
    if (outcome === undefined) {
      return reply.code(202).send({ executionId: handle.executionId, status: 'running' });
    }
    if (outcome.kind === 'response') return sendWebhookResponse(reply, outcome.response);
    return sendFinished(reply, outcome.execution);
  });
}

/** Request headers with the ones that carried a webhook secret replaced by `[redacted]`. */
function withoutSecrets(headers: Record<string, unknown>, names: readonly string[]): JsonValue {
  const copy = { ...headers };
  for (const name of names) if (name in copy) copy[name] = REDACTED;
  return copy as JsonValue;
}

/** Sends a `webhook.respond` response: its status, headers and body (JSON unless a text type). */
export function sendWebhookResponse(reply: FastifyReply, response: WebhookResponse): FastifyReply {
  let contentType: string | undefined;
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    const lower = name.toLowerCase();
    if (FRAMING_HEADERS.has(lower)) continue;
    if (lower === 'content-type') contentType = value;
    else reply.header(lower, value);
  }
  reply.code(response.status);
  if (response.status === 204 || response.status === 304) return reply.send();
  if (
    typeof response.body === 'string' &&
    contentType !== undefined &&
    !/json/i.test(contentType)
  ) {
    return reply.type(contentType).send(response.body);
  }
  return reply
    .type(contentType ?? 'application/json; charset=utf-8')
    .send(JSON.stringify(response.body ?? null));
}

/** Answers with a finished execution: its output (200), or its error (500 failed, 409 cancelled). */
export function sendFinished(reply: FastifyReply, execution: ExecutionRecord): FastifyReply {
  if (execution.status === 'succeeded') {
    return reply
      .code(200)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(execution.output ?? null));
  }
  const cancelled = execution.status === 'cancelled';
  const cause = execution.error;
  return sendError(reply, cancelled ? 409 : 500, {
    error: {
      code: cancelled ? 'EXECUTION_CANCELLED' : 'EXECUTION_FAILED',
      message: cancelled
        ? `Execution ${execution.id} was cancelled.`
        : `Execution ${execution.id} failed: ${cause ? `${cause.code}: ${cause.message}` : 'unknown error'}`,
      details: cause?.details ? [...cause.details] : [],
      executionId: execution.id,
    },
  });
}
