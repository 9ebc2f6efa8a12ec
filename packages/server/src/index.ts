export {
  buildServer,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  type BuildServerOptions,
} from './app.js';
export { startServer, loadDotEnv, type RunningServer, type StartServerOptions } from './start.js';
export {
  loadConfig,
  ConfigError,
  CONFIG_VARIABLES,
  LOG_LEVELS,
  type ServerConfig,
  type ConfigVariable,
  type LogLevel,
  type SqliteSynchronous,
} from './config.js';
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
