export { defineNode, NodeDefinitionError, type NodeDefinition } from './define-node.js';
export { paramsJsonSchema } from './params-json-schema.js';
export {
  testNode,
  type TestLogEntry,
  type TestNodeOptions,
  type TestNodeResult,
} from './test-node.js';
export {
  FlowstateError,
  NonRetriableError,
  RetryAfterError,
  isJsonObject,
  CREDENTIAL_TYPES,
  type CredentialData,
  type CredentialValue,
  type JsonObject,
  type JsonValue,
  type NodeContext,
  type NodeDirective,
  type NodeGroup,
  type NodeLogger,
  type NodeResult,
  type NodeType,
  type SuspendOptions,
  type WebhookResponse,
} from '@flowstate/core';
export { checkNodeType, NODE_GROUPS } from './check-node-type.js';
export { definePlugin, pluginNodeTypes, PluginShapeError, type FlowstatePlugin } from './plugin.js';
export { renderNodeReference, type NodeReferenceOptions } from './node-reference.js';
