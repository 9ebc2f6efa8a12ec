import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CSRF_COOKIE, serializeCookie, SESSION_COOKIE } from '../auth/cookies.js';
import { apiKeyView, userView, type UserPrincipal } from '../auth/principal.js';
import type { NewSession } from '../auth/session-service.js';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { ApiKeySchema, RoleSchema, SessionResponse, UserSchema } from '../schemas/auth.js';
import { errors } from '../schemas/common.js';

const Email = z.email().max(320);
const LoginBody = z.object({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
});
const SetupBody = z.object({
  email: Email,
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(200).optional(),
});
const PasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
const MeResponse = z.object({
  user: UserSchema,
  role: RoleSchema.meta({ description: 'Effective role (an API key acts as at most its user)' }),
  via: z.enum(['session', 'api-key']),
  apiKey: ApiKeySchema.optional().meta({ description: 'The key in use (via api-key)' }),
  expiresAt: z.number().optional().meta({ description: 'End of the session (via session)' }),
});

/** The user behind a request on a route that requires one (set by access control). */
export function userOf(request: FastifyRequest): UserPrincipal {
  const principal = request.principal;
  if (principal === null || principal.kind === 'metrics-token') {
    throw httpError('UNAUTHENTICATED', 'This needs a signed-in user or an API key.');
  }
  return principal;
}

/**
 * `/api/v1/setup` and `/api/v1/auth/*`: first-run setup, sign-in and sign-out with cookie
 * sessions, the current user, password changes. Sign-in and setup are rate limited per
 * client address (and email): 429 with `Retry-After`.
 */
export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { users, sessions } = ctx;
  const tags = ['auth'];

  const limit = (reply: FastifyReply, key: string): void => {
    const decision = ctx.loginLimiter?.take(key);
    if (decision === undefined || decision.ok) return;
    const seconds = Math.ceil(decision.retryAfterMs / 1000);
    reply.header('retry-after', String(seconds));
    throw httpError('RATE_LIMITED', `Too many sign-in attempts; retry in ${seconds} s.`);
  };

  const startSession = (request: FastifyRequest, reply: FastifyReply, opened: NewSession) => {
    const secure = ctx.cookieSecure === 'auto' ? request.protocol === 'https' : ctx.cookieSecure;
    const maxAge = sessions.times.ttlMs / 1000;
    reply.header('set-cookie', [
      serializeCookie(SESSION_COOKIE, opened.token, {
        httpOnly: true,
        secure,
        sameSite: 'Lax',
        maxAge,
      }),
      serializeCookie(CSRF_COOKIE, opened.csrfToken, {
        httpOnly: false,
        secure,
        sameSite: 'Lax',
        maxAge,
      }),
    ]);
    return {
      user: userView(opened.user),
      csrfToken: opened.csrfToken,
      expiresAt: opened.session.expiresAt,
    };
  };

  api.get(
    '/setup',
    {
      schema: {
        tags,
        summary: 'Whether first-run setup is still needed (no user exists yet)',
        response: { 200: z.object({ needed: z.boolean() }) },
      },
      config: { access: 'public' },
    },
    async () => ({ needed: (await ctx.store.countUsers()) === 0 }),
  );

  api.post(
    '/setup',
    {
      schema: {
        tags,
        summary: 'Create the owner and sign in; works only while no user exists',
        body: SetupBody,
        response: { 201: SessionResponse, ...errors(400, 403, 409, 429) },
      },
      config: { access: 'public' },
      // Counted before the body is checked, so malformed attempts count too.
      preValidation: async (request, reply) => limit(reply, `setup|${request.ip}`),
    },
    async (request, reply) => {
      await users.setup(request.body);
      const opened = await sessions.login(request.body.email, request.body.password);
      return reply.code(201).send(startSession(request, reply, opened));
    },
  );

  api.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in: sets the session (HTTP-only) and CSRF cookies',
        body: LoginBody,
        response: { 200: SessionResponse, ...errors(400, 401, 403, 429) },
      },
      config: { access: 'public' },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      limit(reply, `${request.ip}|${email.trim().toLowerCase()}`);
      return startSession(request, reply, await sessions.login(email, password));
    },
  );

  api.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'Sign out: ends the session and clears its cookies',
        response: { 204: z.void(), ...errors(401) },
      },
      config: { access: 'viewer' },
    },
    async (request, reply) => {
      const principal = userOf(request);
      if (principal.kind === 'session') await sessions.logout(principal.session);
      const clear = { httpOnly: true, secure: false, sameSite: 'Lax', maxAge: 0 } as const;
      reply.header('set-cookie', [
        serializeCookie(SESSION_COOKIE, '', clear),
        serializeCookie(CSRF_COOKIE, '', { ...clear, httpOnly: false }),
      ]);
      return reply.code(204).send();
    },
  );

  api.get(
    '/auth/me',
    {
      schema: {
        tags,
        summary: 'The signed-in user, their role and how they signed in',
        response: { 200: MeResponse, ...errors(401) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const principal = userOf(request);
      return {
        user: userView(principal.user),
        role: principal.role,
        via: principal.kind,
        ...(principal.kind === 'api-key' ? { apiKey: apiKeyView(principal.apiKey) } : {}),
        ...(principal.kind === 'session' ? { expiresAt: principal.session.expiresAt } : {}),
      };
    },
  );

  api.put(
    '/auth/password',
    {
      schema: {
        tags,
        summary: 'Change your password (other sessions end)',
        body: PasswordBody,
        response: { 204: z.void(), ...errors(400, 401, 429) },
      },
      config: { access: 'viewer' },
    },
    async (request, reply) => {
      const principal = userOf(request);
      limit(reply, `${request.ip}|${principal.user.email}`);
      await users.changePassword(principal, request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send();
    },
  );
}
