import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { NodeRegistry } from '@flowstate/core';
import type { Engine, Store } from '@flowstate/engine';
import { AuditLog } from './audit/audit-log.js';
import { installAccessControl, type AccessRule } from './auth/access-control.js';
import { ApiKeyService } from './auth/api-key-service.js';
import type { ScryptCost } from './auth/passwords.js';
import { RateLimiter, RateLimits, type RateLimit } from './auth/rate-limiter.js';
import { SessionService, type SessionTimes } from './auth/session-service.js';
import { UserService } from './auth/user-service.js';
import type { ServerContext } from './context.js';
import { CredentialService } from './credentials/credential-service.js';
import { Keyring } from './credentials/keyring.js';
import { installErrorHandling, sendError, toErrorResponse, type AcceptedTypes } from './errors.js';
import {
  JSON_TYPES,
  registerJsonParser,
  registerWebhookParsers,
  restrictToJson,
  WEBHOOK_TYPES,
} from './json-body.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerCredentialRoutes } from './routes/credentials.js';
import { registerEventRoutes } from './routes/events.js';
import { registerExecutionRoutes } from './routes/executions.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerUserRoutes } from './routes/users.js';
import { registerWorkflowRoutes } from './routes/workflows.js';
import { WebhookAuthenticator } from './webhook-auth.js';
import { WebhookRouter } from './webhook-router.js';
import { syncWorkflowFiles } from './workflow-files.js';
import { WorkflowService } from './workflow-service.js';

/** Dependencies and limits of the HTTP server. */
export interface BuildServerOptions {
  store: Store;
  engine: Engine;
  registry: NodeRegistry;
  /** A pino logger; none means silent. */
  logger?: FastifyBaseLogger;
  /** How long a webhook call waits for its response before answering 202 (default 10 s). */
  webhookResponseTimeoutMs?: number;
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimitBytes?: number;
  /** Folder of workflow files loaded and activated when the server becomes ready. */
  workflowsDir?: string;
  /**
   * The credential service the engine was given too (`startServer` builds it over the data
   * folder's keyring). Without one, a service with a random in-memory key is made: its
   * credentials do not survive a restart, which suits tests only.
   */
  credentials?: CredentialService;
  /** The audit log (shared with `credentials`); made over the store if absent. */
  audit?: AuditLog;
  auth?: AuthOptions;
  /** Server-wide limit per webhook path (`FLOWSTATE_WEBHOOK_RATE_LIMIT`); none: unlimited. */
  webhookRateLimit?: RateLimit;
  /** Trust `X-Forwarded-*` from a reverse proxy (client address, https). */
  trustProxy?: boolean;
}

/** Sign-in and session settings. */
export interface AuthOptions {
  /** Bearer token accepted on `access: 'metrics'` routes. */
  metricsToken?: string;
  /** `auto` (default): cookies are `Secure` when the request came over https. */
  cookieSecure?: 'auto' | boolean;
  sessionTimes?: Partial<SessionTimes>;
  /** Sign-in attempts per client address and email (default 10 per minute; `off`: none). */
  loginRateLimit?: RateLimit | 'off';
  /** scrypt cost of new password hashes (tests lower it; defaults to OWASP's). */
  scryptCost?: ScryptCost;
}

/** Default sign-in limit: 10 attempts per minute per client address and email. */
export const DEFAULT_LOGIN_RATE_LIMIT: RateLimit = { limit: 10, windowMs: 60_000 };

/** Default webhook response timeout. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;

/**
 * Builds the Fastify app: the JSON API under `/api/v1`, webhooks under `/hooks/*`,
 * `/healthz` and `/readyz`. It does not start the engine or listen; `startServer` does.
 * The webhook router is filled from the store (and `workflowsDir`) on `ready()`. Every route
 * declares who may call it (`config: { access }`); `app.accessRules` lists them.
 *
 * @example
 * const app = buildServer({ store, engine, registry });
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export function buildServer(options: BuildServerOptions): FastifyInstance {
  const acceptedTypes: AcceptedTypes = (request) =>
    request.url.startsWith('/hooks/') ? WEBHOOK_TYPES : JSON_TYPES;
  // Per-request "incoming/completed" lines only at debug level: the webhook path is the hot path.
  const logRequests =
    options.logger !== undefined && ['debug', 'trace'].includes(options.logger.level);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    logController: new LogController({ disableRequestLogging: !logRequests }),
    frameworkErrors: (error, request, reply) => {
      const { status, body } = toErrorResponse(error, request, acceptedTypes);
      sendError(reply, status, body);
    },
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
  }) as unknown as FastifyInstance;

  const { store } = options;
  const auth = options.auth ?? {};
  const router = new WebhookRouter();
  const audit = options.audit ?? new AuditLog(store);
  const credentials =
    options.credentials ??
    new CredentialService({
      store,
      keyring: new Keyring(randomBytes(32)),
      audit,
      redactor: options.engine.redactor,
    });
  const sessions = new SessionService({
    store,
    ...(auth.sessionTimes ? { times: auth.sessionTimes } : {}),
    ...(auth.scryptCost ? { scryptCost: auth.scryptCost } : {}),
  });
  const apiKeys = new ApiKeyService({ store, audit });
  const ctx: ServerContext = {
    store,
    engine: options.engine,
    registry: options.registry,
    router,
    workflows: new WorkflowService({ store, registry: options.registry, router }),
    webhookResponseTimeoutMs: options.webhookResponseTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    audit,
    users: new UserService({
      store,
      audit,
      ...(auth.scryptCost ? { scryptCost: auth.scryptCost } : {}),
    }),
    sessions,
    apiKeys,
    credentials,
    webhookAuth: new WebhookAuthenticator({
      credential: (id) => credentials.resolveCached(id),
      deliveries: store,
      logger: app.log,
    }),
    webhookRateLimits: new RateLimits(),
    ...(options.webhookRateLimit ? { webhookRateLimit: options.webhookRateLimit } : {}),
    ...(auth.loginRateLimit === 'off'
      ? {}
      : { loginLimiter: new RateLimiter(auth.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT) }),
    cookieSecure: auth.cookieSecure ?? 'auto',
  };
  let closing = false;

  const accessRules = installAccessControl(app, {
    sessions,
    apiKeys,
    ...(auth.metricsToken === undefined ? {} : { metricsToken: auth.metricsToken }),
  });
  app.decorate('accessRules', accessRules);
  installErrorHandling(app, acceptedTypes);
  registerJsonParser(app);

  app.addHook('onReady', async () => {
    await ctx.workflows.loadRouter();
    if (options.workflowsDir !== undefined) {
      await syncWorkflowFiles({
        dir: options.workflowsDir,
        workflows: ctx.workflows,
        logger: app.log,
        audit,
      });
    }
  });
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: 'closing' });
    await options.store.getWorkflow('readyz-probe');
    return { status: 'ready' };
  });

  void app.register(
    async (api) => {
      restrictToJson(api);
      registerAuthRoutes(api, ctx);
      registerUserRoutes(api, ctx);
      registerApiKeyRoutes(api, ctx);
      registerCredentialRoutes(api, ctx);
      registerAuditRoutes(api, ctx);
      registerWorkflowRoutes(api, ctx);
      registerExecutionRoutes(api, ctx);
      registerEventRoutes(api, ctx);
    },
    { prefix: '/api/v1' },
  );
  void app.register(async (hooks) => {
    registerWebhookParsers(hooks);
    registerWebhookRoutes(hooks, ctx);
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route and its access rule, filled as routes register (see `installAccessControl`). */
    accessRules: readonly AccessRule[];
  }
}
