export {
  createScriptNode,
  scriptParams,
  SCRIPT_LIMITS,
  SCRIPT_VARIABLES,
  type ScriptNodeOptions,
  type ScriptParams,
} from './script-node.js';
export { ScriptPool, type ScriptPoolOptions, type ScriptRun } from './script-pool.js';
export {
  ScriptError,
  ScriptSandboxError,
  ScriptTimeoutError,
  type ScriptErrorCode,
} from './script-errors.js';
export type { SandboxFailure, SandboxLogLine, SandboxResponse } from './sandbox-protocol.js';
