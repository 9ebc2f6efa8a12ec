import { CRM_ERROR_CODES } from '@flowstate/crm';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FlowstateError, type ErrorDetail } from '@flowstate/core';
import type { z } from 'zod';

/**
 * The one table from error code to HTTP status. Codes not listed are server faults (500).
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_BODY: 400,
  JSON_TOO_DEEP: 400,
  PROTO_POISONING: 400,
  VALIDATION_FAILED: 400,
  INVALID_TRIGGER: 400,
  INVALID_INPUT: 400,
  INVALID_CRON: 400,
  INVALID_TIMEZONE: 400,
  RERUN_INSIDE_LOOP: 400,
  RERUN_NODE_UNREACHABLE: 400,
  FORBIDDEN: 403,
  APPROVAL_NOT_FOUND: 404,
  APPROVAL_ALREADY_DECIDED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  INVALID_APPROVAL_TOKEN: 403,
  APPROVAL_TOKEN_EXPIRED: 410,
  NOT_FOUND: 404,
  WORKFLOW_VERSION_NOT_FOUND: 404,
  STEP_NOT_FOUND: 404,
  NODE_NOT_FOUND: 404,
  PAYLOAD_NOT_FOUND: 404,
  WEAK_PASSWORD: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_API_KEY: 401,
  SESSION_EXPIRED: 401,
  WEBHOOK_UNAUTHORIZED: 401,
  WEBHOOK_REPLAYED: 401,
  CSRF_FAILED: 403,
  ACCOUNT_DISABLED: 403,
  USER_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  CREDENTIAL_NOT_FOUND: 404,
  NOTIFICATION_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  EXECUTION_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  WORKFLOW_EXISTS: 409,
  CONFLICT: 409,
  VERSION_CONFLICT: 409,
  WEBHOOK_CONFLICT: 409,
  INVALID_STATE: 409,
  WORKFLOW_IN_USE: 409,
  WORKFLOW_NOT_PUBLISHED: 409,
  EXECUTION_CANCELLED: 409,
  SETUP_COMPLETE: 409,
  EMAIL_TAKEN: 409,
  LAST_OWNER: 409,
  CREDENTIAL_NAME_TAKEN: 409,
  NOT_ACCEPTABLE: 406,
  PAYLOAD_TOO_LARGE: 413,
  PRECONDITION_FAILED: 412,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  EXECUTION_FAILED: 500,
  INTERNAL: 500,
  WEBHOOK_AUTH_MISCONFIGURED: 500,
  CREDENTIAL_KEY_MISSING: 500,
  CREDENTIAL_DECRYPT_FAILED: 500,
  NOT_READY: 503,
  ...CRM_ERROR_CODES,
};

/** The HTTP status for an error code (500 for unknown codes). */
export function httpStatusOf(code: string): number {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}

/** The body of every error response. */
export interface ErrorBody {
  /**
   * `executionId` is set when the error is an execution's (webhook calls); other extra fields
   * come from `FlowstateHttpError.extra` (a version conflict's `diff` and `currentVersion`).
   */
  error: {
    code: string;
    message: string;
    details: ErrorDetail[];
    executionId?: string;
    [extra: string]: unknown;
  };
}

/** A `FlowstateError` whose response body carries extra fields next to `code` and `message`. */
export class FlowstateHttpError extends FlowstateError {
  override name = 'FlowstateHttpError';
  constructor(
    code: string,
    message: string,
    details: ErrorDetail[],
    readonly extra: Record<string, unknown>,
  ) {
    super(code, message, { details });
  }
}

/** Shorthand for throwing a `FlowstateError` from a route. */
export function httpError(
  code: string,
  message: string,
  details: ErrorDetail[] = [],
): FlowstateError {
  return new FlowstateError(code, message, { details });
}

/** Turns Zod issues into located details (`/input/name: expected string`). */
export function zodDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: prefix + issue.path.map((segment) => `/${String(segment)}`).join(''),
    message: issue.message,
    code: issue.code,
  }));
}

/** Media types accepted by a route family, for 415 messages. */
export type AcceptedTypes = (request: FastifyRequest) => readonly string[];

/** Maps anything thrown (ours, Fastify's, unknown) to `{ status, body }`. Unknown throws become 500. */
export function toErrorResponse(
  error: unknown,
  request: FastifyRequest,
  acceptedTypes: AcceptedTypes,
): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof FlowstateError) {
    const status = httpStatusOf(error.code);
    const payload = body(error.code, error.message, [...error.details]);
    if (error instanceof FlowstateHttpError) Object.assign(payload.error, error.extra);
    return { status, body: payload, internal: status >= 500 };
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_VALIDATION':
      return validationError(fastifyError);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return client(
        413,
        'PAYLOAD_TOO_LARGE',
        'Request body is larger than the configured limit (FLOWSTATE_BODY_LIMIT).',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const accepted = acceptedTypes(request);
      const given = request.headers['content-type'];
      return client(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${given ? `"${given}"` : '(missing)'} is not supported here; send one of: ${accepted.join(', ')}.`,
        accepted.map((type) => ({ path: '/headers/content-type', message: `accepted: ${type}` })),
      );
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return client(
        400,
        'INVALID_JSON',
        'Request body is empty but Content-Type is application/json.',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return client(400, 'INVALID_JSON', 'Request body is not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return client(400, 'BAD_REQUEST', 'Content-Length does not match the body that was sent.');
    default:
      break;
  }
  const statusCode = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    const code =
      statusCode === 404 ? 'NOT_FOUND' : statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    return client(statusCode, code, fastifyError.message ?? 'Bad request.');
  }
  return { status: 500, body: body('INTERNAL', 'Internal server error.', []), internal: true };
}

/**
 * Installs the error and not-found handlers so every failure, including Fastify's own parse
 * and media-type errors, answers `{ error: { code, message, details[] } }`.
 */
export function installErrorHandling(app: FastifyInstance, acceptedTypes: AcceptedTypes): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body: payload, internal } = toErrorResponse(error, request, acceptedTypes);
    if (internal) request.log.error({ err: error }, 'request failed');
    return sendError(reply, status, payload);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      body('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}.`, []),
    ),
  );
}

/**
 * Sends an error body with its status. Sent as text, so a route's response schemas (which
 * document errors) never re-serialize it.
 */
export function sendError(reply: FastifyReply, status: number, payload: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(payload));
}

const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/**
 * A request that failed its route's Zod schema: 400 `INVALID_REQUEST` with one detail per
 * issue, each pointing at the field (`/body/nodes/0/name`, `/query/limit`, `/params/id`).
 */
function validationError(error: Partial<FastifyError>) {
  const part = (error as { validationContext?: string }).validationContext ?? 'body';
  const prefix = `/${part === 'querystring' ? 'query' : part}`;
  const issues = (error.validation ?? []) as Array<{
    instancePath?: string;
    message?: string;
    keyword?: string;
  }>;
  const details: ErrorDetail[] = issues.map((issue) => ({
    path: prefix + (issue.instancePath === '/' ? '' : (issue.instancePath ?? '')),
    message: issue.message ?? 'is invalid',
    ...(issue.keyword === undefined ? {} : { code: issue.keyword }),
  }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  return client(
    400,
    'INVALID_REQUEST',
    `Invalid ${PART_NAMES[part] ?? part}: ${summary || 'does not match the schema'}`,
    details,
  );
}

function body(code: string, message: string, details: ErrorDetail[]): ErrorBody {
  return { error: { code, message, details } };
}

function client(status: number, code: string, message: string, details: ErrorDetail[] = []) {
  return { status, body: body(code, message, details), internal: false };
}
