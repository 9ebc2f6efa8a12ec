import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { NodeRegistry } from '@flowstate/core';
import type { Engine, RetentionPolicy, Store } from '@flowstate/engine';
import type { ServerContext } from './context.js';
import { DEFAULT_INLINE_PAYLOAD_BYTES } from './execution-view.js';
import { AuditLog } from './audit/audit-log.js';
import { installAccessControl, type AccessRule } from './auth/access-control.js';
import { ApiKeyService } from './auth/api-key-service.js';
import type { ScryptCost } from './auth/passwords.js';
import { RateLimiter, RateLimits, type RateLimit } from './auth/rate-limiter.js';
import { SessionService, type SessionTimes } from './auth/session-service.js';
import { UserService } from './auth/user-service.js';
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
import { LiveEventHub } from './live/event-hub.js';
import { closeAll, type SseStream } from './live/sse.js';
import { ServerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { RetentionService } from './retention.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerCredentialRoutes } from './routes/credentials.js';
import { registerEventRoutes } from './routes/events.js';
import { registerExecutionRoutes } from './routes/executions.js';
import { registerLiveRoutes } from './routes/live.js';
import { registerMappingRoutes } from './routes/mapping.js';
import { registerNodeTypeRoutes } from './routes/node-types.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerOperationRoutes } from './routes/operations.js';
import { registerPluginRoutes } from './routes/plugins.js';
import type { PluginStatus } from './plugins/load-plugins.js';
import { registerSettingsRoutes } from './routes/settings.js';
import { registerTransferRoutes } from './routes/transfer.js';
import { registerVersionRoutes } from './routes/versions.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerUserRoutes } from './routes/users.js';
import { registerWorkflowRoutes } from './routes/workflows.js';
import { findWebAppDir, registerWebApp } from './web-app.js';
import { WebhookAuthenticator } from './webhook-auth.js';
import { WebhookRouter } from './webhook-router.js';
import { syncWorkflowFiles } from './workflow-files.js';
import { WorkflowService } from './workflow-service.js';
import { ApprovalService } from './approvals/approval-service.js';
import { EventDelivery } from './events/event-delivery.js';
import { EventTriggerIndex } from './events/event-triggers.js';
import { registerApprovalLinkRoutes, registerApprovalRoutes } from './routes/approvals.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { Scheduler, type SchedulerOptions } from './schedules/scheduler.js';
import { ScheduleSync } from './schedules/schedule-sync.js';
import { createCrmContext, registerCrmRoutes, type CrmServerOptions } from './crm/crm-setup.js';
import type { CrmContext } from './crm/crm-context.js';

/** Dependencies and limits of the HTTP server. */
export interface BuildServerOptions {
  store: Store;
  engine: Engine;
  registry: NodeRegistry;
  /**
   * What the plugin loader reported (see `loadPlugins`); the registry must already hold the
   * loaded plugins' node types. Default: no plugins.
   */
  plugins?: PluginStatus;
  /** A pino logger; none means silent. */
  logger?: FastifyBaseLogger;
  /** How long a webhook call waits for its response before answering 202 (default 10 s). */
  webhookResponseTimeoutMs?: number;
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimitBytes?: number;
  /** Folder of workflow files loaded and activated when the server becomes ready. */
  workflowsDir?: string;
  /** Folder of the built web app served at `/` (default: `@flowstate/web`'s `dist`). */
  webAppDir?: string;
  /** Retention defaults (environment); stored settings override them. */
  retention?: RetentionPolicy;
  /** Prune finished executions this often while the server runs (default 0: never). */
  pruneIntervalMs?: number;
  /** Payloads larger than this (bytes of JSON) are linked, not inlined (default 64 KiB). */
  inlinePayloadBytes?: number;
  /** Clock of saves and retention (tests); defaults to `Date.now`. */
  now?: () => number;
  /**
   * The cron scheduler's options, or `false` for a server that fires no schedules (an API-only
   * process, or tests that drive a `Scheduler` themselves). Started when the server is ready.
   */
  scheduler?: false | Omit<SchedulerOptions, 'engine' | 'store'>;
  /** HMAC key of approval links (see `loadApprovalLinkKey`); random per process if absent. */
  approvalLinkKey?: Buffer;
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
  /**
   * False for a worker process: only `/healthz`, `/readyz` and `/metrics` are served (no API,
   * webhooks or web app, and no webhook routes are loaded). Default true.
   */
  serveApi?: boolean;
  /** The CRM's service and dispatcher options (the store's CRM storage is used either way). */
  crm?: CrmServerOptions;
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

/** Version of the API described by the OpenAPI document. */
export const API_VERSION = '1.0.0';

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
    // HEAD twins of GET routes are not part of the API (and would be undocumented routes).
    exposeHeadRoutes: false,
    trustProxy: options.trustProxy ?? false,
  }) as unknown as FastifyInstance;

  const { store, engine, registry } = options;
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
  let workflows: WorkflowService | undefined;
  const scheduler =
    options.scheduler === false
      ? undefined
      : new Scheduler({
          engine,
          store,
          logger: engine.logger,
          onStale: (workflowId) => workflows?.resyncTriggers(workflowId) ?? Promise.resolve(),
          ...options.scheduler,
        });
  const eventTriggers = new EventTriggerIndex(registry);
  const crm = createCrmContext({
    store,
    engine,
    registry,
    ...(options.crm === undefined ? {} : { options: options.crm }),
    resync: (workflowId) => workflows?.resyncTriggers(workflowId) ?? Promise.resolve(),
  });
  const schedules = new ScheduleSync({
    store,
    registry,
    clock: engine.clock,
    onChange: () => scheduler?.kick(),
  });
  const approvalLinkKey = options.approvalLinkKey ?? randomBytes(32);
  const ctx: ServerContext = {
    store,
    engine,
    registry,
    plugins: options.plugins ?? { loaded: [], failed: [] },
    router,
    workflows: (workflows = new WorkflowService({
      store,
      registry,
      router,
      triggers: [schedules, eventTriggers, ...(crm ? [crm.triggers] : [])],
      ...(options.now ? { now: options.now } : {}),
    })),
    retention: new RetentionService({
      store,
      ...(options.retention === undefined ? {} : { defaults: options.retention }),
      intervalMs: options.pruneIntervalMs ?? 0,
      ...(options.now ? { now: options.now } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    webhookResponseTimeoutMs: options.webhookResponseTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    live: new LiveEventHub(engine),
    sseStreams: new Set<SseStream>(),
    metrics: new ServerMetrics(engine, store),
    inlinePayloadBytes: options.inlinePayloadBytes ?? DEFAULT_INLINE_PAYLOAD_BYTES,
    events: new EventDelivery({ engine, triggers: eventTriggers, logger: engine.logger }),
    approvals: new ApprovalService({ store, engine, linkKey: approvalLinkKey }),
    approvalLinkKey,
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
    ...(crm ? { crm } : {}),
  };
  let closing = false;
  crm?.service.onEvent((event) =>
    ctx.live.publishEntity({
      eventId: event.id,
      recordType: event.recordType,
      recordId: event.recordId,
      event: event.event,
      changed: event.changed,
      actor: event.actor,
      at: event.createdAt,
    }),
  );

  const accessRules = installAccessControl(app, {
    sessions,
    apiKeys,
    ...(auth.metricsToken === undefined ? {} : { metricsToken: auth.metricsToken }),
  });
  app.decorate('accessRules', accessRules);
  app.decorate('crm', crm);
  installErrorHandling(app, acceptedTypes);
  registerJsonParser(app);
  registerOpenApi(app, { version: API_VERSION });

  const serveApi = options.serveApi ?? true;
  app.addHook('onReady', async () => {
    if (serveApi) await ctx.workflows.loadRouter();
    await ctx.workflows.syncAllTriggers();
    if (serveApi && options.workflowsDir !== undefined) {
      await syncWorkflowFiles({
        dir: options.workflowsDir,
        workflows: ctx.workflows,
        logger: app.log,
        audit,
      });
    }
    ctx.retention.start();
    scheduler?.start();
    crm?.dispatcher?.start();
  });
  app.addHook('onClose', async () => {
    await scheduler?.stop();
    await crm?.dispatcher?.stop();
  });
  app.addHook('preClose', async () => {
    closing = true;
    // Fastify waits for open connections: live streams end here (clients reconnect elsewhere).
    closeAll(ctx.sseStreams);
    await ctx.retention.stop();
  });
  app.addHook('onClose', async () => {
    ctx.live.close();
    ctx.metrics.close();
  });

  void app.register(async (ops) => registerOperationRoutes(ops, ctx, () => closing));
  if (!serveApi) return app;
  void app.register(
    async (api) => {
      restrictToJson(api);
      registerAuthRoutes(api, ctx);
      registerUserRoutes(api, ctx);
      registerApiKeyRoutes(api, ctx);
      registerCredentialRoutes(api, ctx);
      registerAuditRoutes(api, ctx);
      registerNodeTypeRoutes(api, ctx);
      registerMappingRoutes(api, ctx);
      registerPluginRoutes(api, ctx);
      registerWorkflowRoutes(api, ctx);
      registerVersionRoutes(api, ctx);
      registerTransferRoutes(api, ctx);
      registerExecutionRoutes(api, ctx);
      registerSettingsRoutes(api, ctx);
      registerEventRoutes(api, ctx);
      registerLiveRoutes(api, ctx);
      registerScheduleRoutes(api, ctx);
      registerApprovalRoutes(api, ctx);
      registerNotificationRoutes(api, ctx);
      registerCrmRoutes(api, ctx);
    },
    { prefix: '/api/v1' },
  );
  void app.register(async (links) => registerApprovalLinkRoutes(links, ctx), {
    prefix: '/api/v1',
  });
  void app.register(async (web) => registerWebApp(web, options.webAppDir ?? findWebAppDir()));
  void app.register(async (hooks) => {
    registerWebhookParsers(hooks);
    hooks.addHook('onResponse', async (_request, reply) => {
      ctx.metrics.observeWebhook(reply.statusCode, reply.elapsedTime);
    });
    registerWebhookRoutes(hooks, ctx);
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route and its access rule, filled as routes register (see `installAccessControl`). */
    accessRules: readonly AccessRule[];
    /** The CRM's service, trigger index and dispatcher (absent without CRM storage). */
    crm: CrmContext | undefined;
  }
}
