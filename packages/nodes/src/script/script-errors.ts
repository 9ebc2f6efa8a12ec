import { FlowstateError, NonRetriableError } from '@flowstate/core';
import type { SandboxFailure } from './sandbox-protocol.js';

/** Stable codes of {@link ScriptError}. */
export type ScriptErrorCode =
  | 'SCRIPT_SYNTAX'
  | 'SCRIPT_ERROR'
  | 'SCRIPT_MEMORY'
  | 'SCRIPT_STACK'
  | 'SCRIPT_RESULT'
  | 'SCRIPT_UNSETTLED'
  | 'SCRIPT_INPUT_TOO_LARGE';

/**
 * A script failed in a way that running it again with the same input would repeat: a syntax
 * error, an exception, the memory limit, too deep a recursion, a result that is not JSON.
 * `line` and `column` point into the user's code when QuickJS said where.
 */
export class ScriptError extends NonRetriableError {
  override name = 'ScriptError';
  override readonly code: ScriptErrorCode;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    code: ScriptErrorCode,
    message: string,
    options: { line?: number; column?: number; cause?: unknown } = {},
  ) {
    super(message, { code, cause: options.cause });
    this.code = code;
    this.line = options.line;
    this.column = options.column;
  }
}

/**
 * A script ran past its time limit. Retriable: on a busy machine the same script may finish
 * in time (a workflow's retry policy decides; the default is one attempt).
 */
export class ScriptTimeoutError extends FlowstateError {
  override name = 'ScriptTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('SCRIPT_TIMEOUT', `Script exceeded its ${timeoutMs} ms time limit`);
    this.timeoutMs = timeoutMs;
  }
}

/** The sandbox itself failed (a worker crashed or could not start): not the script's fault. */
export class ScriptSandboxError extends FlowstateError {
  override name = 'ScriptSandboxError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('SCRIPT_SANDBOX', `Script sandbox failed: ${message}`, options);
  }
}

/** The limits a run had, for the error messages. */
export interface RunLimits {
  timeoutMs: number;
  memoryLimitMb: number;
}

/** Turns a sandbox failure into the error the node throws. */
export function scriptFailureError(failure: SandboxFailure, limits: RunLimits): FlowstateError {
  const at = location(failure);
  switch (failure.kind) {
    case 'timeout':
      return new ScriptTimeoutError(limits.timeoutMs);
    case 'memory':
      return new ScriptError(
        'SCRIPT_MEMORY',
        `Script exceeded its ${limits.memoryLimitMb} MiB memory limit`,
      );
    case 'stack':
      return new ScriptError(
        'SCRIPT_STACK',
        `Script exceeded the call stack${at} (recursion too deep)`,
        failure,
      );
    case 'syntax':
      return new ScriptError(
        'SCRIPT_SYNTAX',
        `Script has a syntax error${at}: ${failure.message}`,
        failure,
      );
    case 'thrown':
      return new ScriptError(
        'SCRIPT_ERROR',
        failure.name === undefined
          ? `Script ${failure.message}${at}`
          : `Script threw ${failure.name}${at}: ${failure.message}`,
        failure,
      );
    case 'result':
      return new ScriptError('SCRIPT_RESULT', `Script ${failure.message}`);
    case 'unsettled':
      return new ScriptError('SCRIPT_UNSETTLED', `Script never finished: ${failure.message}`);
    case 'crash':
      return new ScriptSandboxError(failure.message);
  }
}

function location(failure: SandboxFailure): string {
  if (failure.line === undefined) return '';
  return failure.column === undefined
    ? ` at line ${failure.line}`
    : ` at line ${failure.line}, column ${failure.column}`;
}
