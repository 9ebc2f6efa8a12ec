import type { NodeRegistry } from '@flowstate/core';
import type { Engine, Store } from '@flowstate/engine';
import type { LiveEventHub } from './live/event-hub.js';
import type { PluginStatus } from './plugins/load-plugins.js';
import type { SseStream } from './live/sse.js';
import type { ServerMetrics } from './metrics.js';
import type { RetentionService } from './retention.js';
import type { ApprovalService } from './approvals/approval-service.js';
import type { EventDelivery } from './events/event-delivery.js';
import type { AuditLog } from './audit/audit-log.js';
import type { ApiKeyService } from './auth/api-key-service.js';
import type { RateLimit, RateLimiter, RateLimits } from './auth/rate-limiter.js';
import type { SessionService } from './auth/session-service.js';
import type { UserService } from './auth/user-service.js';
import type { CredentialService } from './credentials/credential-service.js';
import type { WebhookAuthenticator } from './webhook-auth.js';
import type { WebhookRouter } from './webhook-router.js';
import type { WorkflowService } from './workflow-service.js';
import type { CrmContext } from './crm/crm-context.js';

/** What route modules receive: the server's dependencies, built once in `buildServer`. */
export interface ServerContext {
  store: Store;
  engine: Engine;
  registry: NodeRegistry;
  /** The plugins loaded at start and the ones skipped (`GET /api/v1/plugins`). */
  plugins: PluginStatus;
  router: WebhookRouter;
  workflows: WorkflowService;
  retention: RetentionService;
  /** Default time a webhook call waits for its response before answering 202. */
  webhookResponseTimeoutMs: number;
  /** Live execution and step events (Server-Sent Events). */
  live: LiveEventHub;
  /** Open SSE responses, closed when the server shuts down. */
  sseStreams: Set<SseStream>;
  metrics: ServerMetrics;
  /** Step and execution payloads larger than this are linked instead of inlined. */
  inlinePayloadBytes: number;
  /** Starts `trigger.event` workflows and resumes `wait.event` steps. */
  events: EventDelivery;
  approvals: ApprovalService;
  /** HMAC key of approval links. */
  approvalLinkKey: Buffer;
  audit: AuditLog;
  users: UserService;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  credentials: CredentialService;
  webhookAuth: WebhookAuthenticator;
  /** Per-path webhook limiters; `webhookRateLimit` is the server default (none: unlimited). */
  webhookRateLimits: RateLimits;
  webhookRateLimit?: RateLimit;
  /** Sign-in attempts per client address and email; none when switched off. */
  loginLimiter?: RateLimiter;
  /** `auto`: cookies are `Secure` when the request came over https. */
  cookieSecure: 'auto' | boolean;
  /** The built-in CRM (absent when the store has no CRM storage). */
  crm?: CrmContext;
}
