import { createRegistry, type NodeRegistry, type NodeType } from '@flowstate/core';
import { dataNodes } from './data/index.js';
import { flowCall } from './flow-call.js';
import { flowIf } from './flow-if.js';
import { flowLoop } from './flow-loop.js';
import { flowMerge } from './flow-merge.js';
import { flowReturn } from './flow-return.js';
import { flowSwitch } from './flow-switch.js';
import {
  createHttpRequestNode,
  httpOptionsFromEnv,
  type HttpRequestNodeOptions,
} from './http-request.js';
import { logNode } from './log.js';
import { createFileNodes, fileOptionsFromEnv, type FileNodeOptions } from './file/index.js';
import { createSqlNodes } from './sql/index.js';
import { createMessagingNodes, type NotifyFunction } from './messaging/index.js';
import { jsonataTransform } from './transform-jsonata.js';
import { setFields } from './transform-set.js';
import { manualTrigger } from './trigger-manual.js';
import { webhookTrigger } from './trigger-webhook.js';
import { waitDelay } from './wait-delay.js';
import { waitEvent } from './wait-event.js';
import { scheduleTrigger } from './trigger-schedule.js';
import { eventTrigger } from './trigger-event.js';
import { waitApproval } from './wait-approval.js';
import { webhookRespond } from './webhook-respond.js';
import { createScriptNode, type ScriptNodeOptions } from './script/index.js';

export { flowCall, flowIf, flowLoop, flowMerge, flowReturn, flowSwitch, logNode, jsonataTransform };
export { setFields, manualTrigger, webhookTrigger, waitDelay, waitEvent, webhookRespond };
export { scheduleTrigger, eventTrigger, waitApproval };
export { switchPorts } from './flow-switch.js';
export { parseCron, cronProblem, isValidTimezone, type CronSchedule } from './cron.js';
export {
  scheduleTriggerParams,
  MAX_CATCH_UP_LIMIT,
  type ScheduleTriggerParams,
} from './trigger-schedule.js';
export { eventTriggerParams, type EventTriggerParams } from './trigger-event.js';
export { APPROVAL_EVENT, waitApprovalParams, type ApprovalInfo } from './wait-approval.js';
export { setPath } from './transform-set.js';
export { isTruthy } from './truthy.js';
export * from './file/index.js';
export * from './sql/index.js';
export * from './data/index.js';
export { parseDuration } from './duration.js';
export { waitDelayParams } from './wait-delay.js';
export {
  WEBHOOK_METHODS,
  webhookAuthParams,
  webhookTriggerParams,
  type WebhookAuthParams,
  type WebhookMethod,
  type WebhookTriggerParams,
} from './trigger-webhook.js';
export {
  createHttpRequestNode,
  httpOptionsFromEnv,
  httpRequestParams,
  type HttpRequestNodeOptions,
  type HttpRequestParams,
} from './http-request.js';
export {
  AddressNotAllowedError,
  createAddressPolicy,
  type AddressPolicy,
} from './http/address-policy.js';
export { isBlockedAddress } from './http/ip-ranges.js';
export { parseRetryAfter } from './http/retry-after.js';
export { HttpStatusError } from './http/response.js';
export * from './script/index.js';
export * from './messaging/index.js';

/** Every built-in node type except `http.request`, which depends on host configuration. */
const fixedNodes: readonly NodeType<any>[] = [
  manualTrigger,
  webhookTrigger,
  scheduleTrigger,
  eventTrigger,
  setFields,
  jsonataTransform,
  logNode,
  flowIf,
  flowSwitch,
  flowMerge,
  flowLoop,
  flowCall,
  flowReturn,
  waitDelay,
  waitEvent,
  waitApproval,
  webhookRespond,
  ...dataNodes,
];

/** Options of {@link createBuiltinRegistry}. */
export interface BuiltinNodesOptions {
  /** Network policy of `http.request`; defaults to {@link httpOptionsFromEnv}. */
  http?: HttpRequestNodeOptions;
  /** The folder `file.*` nodes and SQLite `sql.query` files are confined to; defaults to `FLOWSTATE_DATA_DIR/files`. */
  files?: FileNodeOptions;
  /** Limits and worker threads of `script.js`; defaults in {@link SCRIPT_LIMITS}. */
  script?: ScriptNodeOptions;
  /** Stores in-app notifications for `notification.inapp` (the server passes one). */
  notify?: NotifyFunction;
}

const defaultHttpNode = createHttpRequestNode(httpOptionsFromEnv());
/** Starts its worker threads on the first script it runs. */
const defaultScriptNode = createScriptNode();

/**
 * The built-in node types, with `http.request` configured from `FLOWSTATE_HTTP_ALLOW_HOSTS`
 * and `script.js` with the default limits, the file and SQL nodes confined to
 * `FLOWSTATE_DATA_DIR/files`, and the messaging nodes.
 */
export const builtinNodes: NodeType[] = [
  ...fixedNodes,
  defaultHttpNode,
  ...createFileNodes(fileOptionsFromEnv()),
  ...createSqlNodes(fileOptionsFromEnv()),
  defaultScriptNode,
  ...createMessagingNodes({ http: httpOptionsFromEnv() }),
] as NodeType[];

/**
 * A registry of the built-in nodes plus any plugin nodes. Pass `http` to configure the HTTP
 * node's network policy explicitly instead of from the environment.
 *
 * @example
 * ```ts
 * const registry = createBuiltinRegistry({ http: { allowedHosts: ['10.0.0.0/8'] } }, [slugify]);
 * ```
 */
export function createBuiltinRegistry(
  options: BuiltinNodesOptions = {},
  extra: readonly NodeType<any>[] = [],
): NodeRegistry {
  const http = options.http === undefined ? defaultHttpNode : createHttpRequestNode(options.http);
  const script =
    options.script === undefined ? defaultScriptNode : createScriptNode(options.script);
  const files = options.files ?? fileOptionsFromEnv();
  const messaging = createMessagingNodes({
    http: options.http ?? httpOptionsFromEnv(),
    ...(options.notify === undefined ? {} : { notify: options.notify }),
  });
  return createRegistry([
    ...fixedNodes,
    http,
    script,
    ...createFileNodes(files),
    ...createSqlNodes(files),
    ...messaging,
    ...extra,
  ]);
}
