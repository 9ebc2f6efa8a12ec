import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { httpError } from '../errors.js';
import type { ApiKeyService } from './api-key-service.js';
import { CSRF_HEADER, parseCookies, SESSION_COOKIE } from './cookies.js';
import type { Principal } from './principal.js';
import { ACCESS_LEVELS, hasRole, requiredRole, type Access } from './roles.js';
import type { SessionService } from './session-service.js';
import { safeEqual } from './tokens.js';

/** What access control needs. */
export interface AccessControlOptions {
  sessions: SessionService;
  apiKeys: ApiKeyService;
  /** Bearer token that opens `access: 'metrics'` routes (Prometheus), if configured. */
  metricsToken?: string;
}

/** Methods that change state: cookie sessions need the CSRF token on these. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One route and its rule, as collected at registration (for the generated access test). */
export interface AccessRule {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by access control on routes that need a user (null elsewhere). */
    principal: Principal | null;
  }
}

/**
 * Every route must say who may call it (`config: { access }`): registering one without a
 * valid rule throws, so the server does not start. Routes that need a user get an
 * `onRequest` guard (before the body is read) that identifies the caller — an API key in
 * `Authorization: Bearer fsk_…`, else the session cookie — and answers 401 (nobody), 403
 * (role too low, or a cookie-authenticated unsafe request without the session's CSRF token).
 * `public` and `webhook` routes get no guard, so the webhook hot path pays nothing.
 * Returns the list of rules, filled as routes are registered.
 */
export function installAccessControl(
  app: FastifyInstance,
  options: AccessControlOptions,
): AccessRule[] {
  const rules: AccessRule[] = [];
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    const methods = [route.method].flat().map(String);
    const where = `${methods.join(',')} ${route.url}`;
    if (access === undefined || !ACCESS_LEVELS.includes(access)) {
      throw new Error(
        `Route ${where} declares no valid access rule (got ${JSON.stringify(access)}): add config: { access: ${ACCESS_LEVELS.map((a) => `'${a}'`).join(' | ')} }`,
      );
    }
    for (const method of methods) rules.push({ method, url: route.url ?? '', access });
    const guard =
      access === 'webhook'
        ? undefined
        : access === 'public'
          ? methods.some((m) => UNSAFE_METHODS.has(m))
            ? refuseCrossSite
            : undefined
          : requireAccess(access, options);
    if (guard) route.onRequest = [guard, ...[route.onRequest ?? []].flat()];
  });
  return rules;
}

/**
 * Public forms that change state (login, setup) refuse requests a browser marks as coming
 * from another site, so no page elsewhere can sign a visitor into an account of its choosing.
 */
const refuseCrossSite: onRequestHookHandler = (request, _reply, done) => {
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    done(httpError('CSRF_FAILED', 'Cross-site requests are refused here.'));
    return;
  }
  done();
};

function requireAccess(access: Access, options: AccessControlOptions) {
  const needed = requiredRole(access)!;
  return async function accessGuard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = await identify(request, reply, options);
    request.principal = principal;
    if (principal === null) {
      reply.header('www-authenticate', 'Bearer realm="flowstate"');
      throw httpError(
        'UNAUTHENTICATED',
        'Sign in, or send an API key as "Authorization: Bearer fsk_…".',
      );
    }
    if (principal.kind === 'metrics-token') {
      if (access === 'metrics') return;
      throw httpError('FORBIDDEN', 'The metrics token opens the metrics endpoint only.');
    }
    if (!hasRole(principal.role, needed)) {
      throw httpError(
        'FORBIDDEN',
        `${request.method} ${request.routeOptions.url ?? request.url} needs the ${needed} role; ${principal.kind === 'api-key' ? 'this API key acts as' : 'you are'} ${principal.role}.`,
      );
    }
    if (principal.kind === 'session' && UNSAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      const token = Array.isArray(header) ? header[0] : header;
      if (!options.sessions.checkCsrf(principal.session, token)) {
        throw httpError(
          'CSRF_FAILED',
          `Missing or wrong ${CSRF_HEADER} header: send the value of the fs_csrf cookie (or the csrfToken from login).`,
        );
      }
    }
  };
}

/** The caller, from an API key or metrics token (Bearer) or else the session cookie. */
async function identify(
  request: FastifyRequest,
  reply: FastifyReply,
  options: AccessControlOptions,
): Promise<Principal | null> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="flowstate"');
      throw httpError('UNAUTHENTICATED', 'Authorization must be "Bearer <API key>".');
    }
    const token = match[1]!;
    if (options.metricsToken !== undefined && safeEqual(token, options.metricsToken)) {
      return { kind: 'metrics-token' };
    }
    const check = await options.apiKeys.authenticate(token);
    if (!check.ok) {
      reply.header('www-authenticate', 'Bearer realm="flowstate", error="invalid_token"');
      throw httpError('INVALID_API_KEY', check.reason);
    }
    return { kind: 'api-key', user: check.user, role: check.role, apiKey: check.apiKey };
  }
  const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (token === undefined) return null;
  const found = await options.sessions.authenticate(token);
  if (!found) throw httpError('SESSION_EXPIRED', 'Your session has ended; sign in again.');
  return { kind: 'session', user: found.user, role: found.user.role, session: found.session };
}
