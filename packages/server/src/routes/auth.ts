import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CSRF_COOKIE, serializeCookie, SESSION_COOKIE } from '../auth/cookies.js';
import { apiKeyView, userView, type UserPrincipal } from '../auth/principal.js';
import type { NewSession } from '../auth/session-service.js';
import type { ServerContext } from '../context.js';
import { httpError, parseRequest } from '../errors.js';

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
  const { users, sessions } = ctx;

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

  app.get('/setup', { config: { access: 'public' } }, async () => ({
    needed: (await ctx.store.countUsers()) === 0,
  }));

  app.post('/setup', { config: { access: 'public' } }, async (request, reply) => {
    limit(reply, `setup|${request.ip}`);
    const body = parseRequest(SetupBody, request.body, 'setup body');
    await users.setup(body);
    const opened = await sessions.login(body.email, body.password);
    return reply.code(201).send(startSession(request, reply, opened));
  });

  app.post('/auth/login', { config: { access: 'public' } }, async (request, reply) => {
    const body = parseRequest(LoginBody, request.body, 'login body');
    limit(reply, `${request.ip}|${body.email.trim().toLowerCase()}`);
    return startSession(request, reply, await sessions.login(body.email, body.password));
  });

  app.post('/auth/logout', { config: { access: 'viewer' } }, async (request, reply) => {
    const principal = userOf(request);
    if (principal.kind === 'session') await sessions.logout(principal.session);
    const clear = { httpOnly: true, secure: false, sameSite: 'Lax', maxAge: 0 } as const;
    reply.header('set-cookie', [
      serializeCookie(SESSION_COOKIE, '', clear),
      serializeCookie(CSRF_COOKIE, '', { ...clear, httpOnly: false }),
    ]);
    return reply.code(204).send();
  });

  app.get('/auth/me', { config: { access: 'viewer' } }, async (request) => {
    const principal = userOf(request);
    return {
      user: userView(principal.user),
      role: principal.role,
      via: principal.kind,
      ...(principal.kind === 'api-key' ? { apiKey: apiKeyView(principal.apiKey) } : {}),
      ...(principal.kind === 'session' ? { expiresAt: principal.session.expiresAt } : {}),
    };
  });

  app.put('/auth/password', { config: { access: 'viewer' } }, async (request, reply) => {
    const body = parseRequest(PasswordBody, request.body, 'password body');
    const principal = userOf(request);
    limit(reply, `${request.ip}|${principal.user.email}`);
    await users.changePassword(principal, body.currentPassword, body.newPassword);
    return reply.code(204).send();
  });
}
