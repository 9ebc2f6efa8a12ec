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
