export {
  buildServer,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_LOGIN_RATE_LIMIT,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  type AuthOptions,
  type BuildServerOptions,
} from './app.js';
export { startServer, loadDotEnv, type RunningServer, type StartServerOptions } from './start.js';
export {
  loadConfig,
  ConfigError,
  LOG_LEVELS,
  type ServerConfig,
  type LogLevel,
  type SqliteSynchronous,
} from './config.js';
export { CONFIG_VARIABLES, type ConfigVariable } from './config-variables.js';
export { HTTP_STATUS_BY_CODE, httpStatusOf, type ErrorBody } from './errors.js';
export { findExcessiveNesting, parseJsonBody, parseFormBody, MAX_JSON_DEPTH } from './json-body.js';
export {
  WebhookRouter,
  webhookRoutesOf,
  normalizeWebhookPath,
  type WebhookRoute,
  type WebhookMatch,
} from './webhook-router.js';
export { WorkflowService, withoutId, type WorkflowView } from './workflow-service.js';
export { syncWorkflowFiles, workflowFileId, type WorkflowFileResult } from './workflow-files.js';
export { waitForFinish, withTimeout, TIMED_OUT } from './wait-outcome.js';
export { Scheduler, type SchedulerOptions } from './schedules/scheduler.js';
export { planTicks, type TickPlan } from './schedules/tick-plan.js';
export { ScheduleSync } from './schedules/schedule-sync.js';
export { scheduleSpecsOf, scheduleProblems } from './schedules/schedule-specs.js';
export type { TriggerSync, LiveVersion } from './trigger-sync.js';
export { EventTriggerIndex, type EventTrigger } from './events/event-triggers.js';
export { EventDelivery, type DeliveryResult, type IncomingEvent } from './events/event-delivery.js';
export {
  ApprovalService,
  assertMayDecide,
  type ApprovalOutcome,
  type ApprovalUser,
  type PendingApproval,
} from './approvals/approval-service.js';
export {
  signApprovalToken,
  verifyApprovalToken,
  type ApprovalTokenClaims,
} from './approvals/approval-tokens.js';
export { loadApprovalLinkKey } from './approvals/approval-link-key.js';
export { AuditLog, type AuditChange, type AuditVerification } from './audit/audit-log.js';
export { UserService, normalizeEmail, type NewUser } from './auth/user-service.js';
export { ApiKeyService, API_KEY_PREFIX } from './auth/api-key-service.js';
export {
  SessionService,
  DEFAULT_SESSION_TIMES,
  type SessionTimes,
} from './auth/session-service.js';
export {
  hashPassword,
  verifyPassword,
  DEFAULT_SCRYPT_COST,
  type ScryptCost,
} from './auth/passwords.js';
export {
  userView,
  apiKeyView,
  type Principal,
  type UserView,
  type ApiKeyView,
} from './auth/principal.js';
export { ACCESS_LEVELS, hasRole, type Access } from './auth/roles.js';
export { RateLimiter, parseRateLimit, type RateLimit } from './auth/rate-limiter.js';
export { type AccessRule } from './auth/access-control.js';
export {
  CredentialService,
  type CredentialView,
  type RotationResult,
} from './credentials/credential-service.js';
export { Keyring, keyIdOf, type Sealed } from './credentials/keyring.js';
export { loadKeyring, parseSecretKey, SECRET_KEY_FILE } from './credentials/secret-key.js';
export { createLogger } from './logger.js';
export { signWebhook } from './webhook-auth.js';
export {
  loadPlugins,
  type FailedPlugin,
  type LoadedPlugin,
  type LoadPluginsOptions,
  type PluginLogger,
  type PluginReport,
  type PluginStatus,
} from './plugins/load-plugins.js';
export {
  discoverPlugins,
  parsePluginPaths,
  resolvePluginEntry,
  PluginLoadError,
  PLUGIN_PACKAGE_PATTERN,
  type PluginCandidate,
  type PluginErrorCode,
  type PluginSource,
} from './plugins/discover-plugins.js';
export { settingsScoreConfig } from './crm/crm-context.js';
