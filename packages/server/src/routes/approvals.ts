import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalUser } from '../approvals/approval-service.js';
import { verifyApprovalToken, type ApprovalTokenClaims } from '../approvals/approval-tokens.js';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { parseFormBody } from '../json-body.js';
import {
  ApprovalLinkSummarySchema,
  ApprovalOutcomeSchema,
  PendingApprovalSchema,
} from '../schemas/approvals.js';
import { errors } from '../schemas/common.js';

const ListQuery = z.object({
  status: z.enum(['pending']).default('pending'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
const StepParams = z.object({
  executionId: z.string().min(1).max(200),
  stepKey: z.string().min(1).max(1000),
});
const DecideBody = z.object({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(5000).optional(),
});
const TokenQuery = z.object({
  token: z.string().min(1).max(4000).meta({ description: 'The signed token of the link' }),
});
const LinkBody = z.object({ comment: z.string().max(5000).optional() }).optional();

/** Answer of the link routes: JSON, or an HTML page for browsers. */
const jsonOrHtml = (json: z.ZodType, description: string) => ({
  description,
  content: {
    'application/json': { schema: json },
    'text/html': { schema: z.string().meta({ description: 'A page for people' }) },
  },
});

/** Errors of the link routes. */
const LINK_ERRORS = errors(400, 403, 404, 409, 410);

type Cursor = { createdAt: number; executionId: string; stepKey: string };

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(
    JSON.stringify([cursor.createdAt, cursor.executionId, cursor.stepKey]),
  ).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string' &&
      typeof value[2] === 'string'
    )
      return { createdAt: value[0], executionId: value[1], stepKey: value[2] };
  } catch {
    // reported below
  }
  throw httpError(
    'INVALID_REQUEST',
    'cursor is not a value returned as nextCursor by this endpoint.',
    [{ path: '/query/cursor', message: 'invalid cursor' }],
  );
}

/** The signed-in caller (session or API key), who must be an approver or an admin. */
function userOf(request: FastifyRequest): ApprovalUser | undefined {
  const principal = request.principal;
  if (principal === null || principal === undefined || principal.kind === 'metrics-token') {
    return undefined;
  }
  return { id: principal.user.id, email: principal.user.email, role: principal.role };
}

/** `/api/v1/approvals`: pending approvals and decisions through the API. */
export function registerApprovalRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { approvals } = ctx;
  const tags = ['approvals'];

  api.get(
    '/approvals',
    {
      schema: {
        tags,
        summary: 'Pending approvals, oldest first (cursor pagination)',
        querystring: ListQuery,
        response: {
          200: z.object({
            items: z.array(PendingApprovalSchema),
            nextCursor: z.string().nullable(),
          }),
          ...errors(400),
        },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const query = request.query;
      const page = await approvals.listPending({
        limit: query.limit + 1,
        ...(query.cursor === undefined ? {} : { after: decodeCursor(query.cursor) }),
      });
      const items = page.slice(0, query.limit);
      const last = items.at(-1);
      return { items, nextCursor: page.length > query.limit && last ? encodeCursor(last) : null };
    },
  );

  api.post(
    '/approvals/:executionId/:stepKey/decide',
    {
      schema: {
        tags,
        summary: "Approve or reject a pending step (its approvers' and admins' call)",
        params: StepParams,
        body: DecideBody,
        response: { 200: ApprovalOutcomeSchema, ...errors(400, 403, 404, 409) },
      },
      // Any signed-in user may call it; only the step's approvers (and admins) may decide.
      config: { access: 'viewer' },
    },
    async (request) => {
      const { body } = request;
      const user = userOf(request);
      return approvals.decide({
        ...request.params,
        decision: body.decision,
        ...(body.comment === undefined ? {} : { comment: body.comment }),
        via: 'api',
        ...(user === undefined ? {} : { user }),
      });
    },
  );
}

/**
 * `/api/v1/approvals/decide?token=...`: the signed one-time links. `GET` only shows what the
 * link will do (a JSON summary, or a page with a confirm button for browsers) because mail
 * scanners and chat previews open links on their own; `POST` decides. Registered in its own
 * plugin so the confirm page's form post (`application/x-www-form-urlencoded`) is accepted.
 */
export function registerApprovalLinkRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { approvals, engine, approvalLinkKey } = ctx;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseFormBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['approvals'];
  const claimsOf = (token: string): ApprovalTokenClaims =>
    verifyApprovalToken(approvalLinkKey, token, engine.clock.now());

  api.get(
    '/approvals/decide',
    {
      schema: {
        tags,
        summary: 'What a signed approval link will do (decides nothing; HTML for browsers)',
        querystring: TokenQuery,
        response: {
          200: jsonOrHtml(
            ApprovalLinkSummarySchema,
            'The pending decision, or a page to confirm it',
          ),
          ...LINK_ERRORS,
        },
      },
      config: { access: 'public' },
    },
    async (request, reply) => {
      const claims = claimsOf(request.query.token);
      const info = await approvals.pending(claims);
      const summary = { ...claims, message: info.message, status: 'pending' as const };
      if (prefersHtml(request)) return sendConfirmPage(reply, summary, request.url);
      return summary;
    },
  );

  api.post(
    '/approvals/decide',
    {
      schema: {
        tags,
        summary: 'Decide through a signed one-time link (the confirm page posts a form)',
        querystring: TokenQuery,
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: LinkBody,
        response: {
          200: jsonOrHtml(ApprovalOutcomeSchema, 'The decision (a page after a form post)'),
          ...LINK_ERRORS,
        },
      },
      config: { access: 'public' },
    },
    async (request, reply) => {
      const claims = claimsOf(request.query.token);
      const body = request.body ?? {};
      const outcome = await approvals.decide({
        executionId: claims.executionId,
        stepKey: claims.stepKey,
        decision: claims.decision,
        ...(body.comment === undefined || body.comment === '' ? {} : { comment: body.comment }),
        via: 'link',
        ...(claims.approver === undefined ? {} : { approver: claims.approver }),
      });
      if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded'))
        return outcome;
      const done = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Done - Flowstate</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>${outcome.decision === 'approved' ? 'Approved' : 'Rejected'}</h1><p>Thank you.</p></body></html>`;
      return reply.type('text/html; charset=utf-8').send(done);
    },
  );
}

function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

function sendConfirmPage(
  reply: FastifyReply,
  summary: ApprovalTokenClaims & { message: string },
  url: string,
): FastifyReply {
  const verb = summary.decision === 'approve' ? 'Approve' : 'Reject';
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${verb} - Flowstate</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>${verb}?</h1>
<p>${escapeHtml(summary.message)}</p>
<form method="post" action="${escapeHtml(url)}">
<p><label>Comment (optional)<br><textarea name="comment" rows="3" cols="50"></textarea></label></p>
<p><button type="submit">${verb}</button></p>
</form>
</body></html>`;
  return reply.type('text/html; charset=utf-8').send(page);
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
