/**
 * Messages between the host ({@link ScriptPool}) and a sandbox worker thread. Everything is
 * plain data: values cross as JSON strings, so nothing but JSON ever enters or leaves QuickJS.
 */

/** One run of user code, sent to a worker. */
export interface SandboxRequest {
  /** Matches the answer to the request. */
  id: number;
  /** The body of an async function (see docs/scripts.md). */
  code: string;
  /** Names of the variables the function receives, in order (`$input`, `$steps`, ...). */
  names: string[];
  /** JSON array of their values, in the order of `names`. */
  values: string;
  timeoutMs: number;
  memoryLimitBytes: number;
  /** At most this many console lines are kept; later ones are counted, not stored. */
  maxLogLines: number;
  /** Longer console lines are cut to this many characters. */
  maxLogLineLength: number;
}

/** A line the script wrote with `console.*`. */
export interface SandboxLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** Why a run failed; the host turns it into a typed error. */
export type SandboxFailureKind =
  'syntax' | 'thrown' | 'timeout' | 'memory' | 'stack' | 'result' | 'unsettled' | 'crash';

/** A failed run, located in the user's code when QuickJS said where. */
export interface SandboxFailure {
  kind: SandboxFailureKind;
  /** The JavaScript error's name (`TypeError`, ...), when there was one. */
  name?: string;
  message: string;
  /** 1-based line and column in the user's code. */
  line?: number;
  column?: number;
}

/** A worker's answer to a {@link SandboxRequest}. */
export type SandboxResponse =
  | { id: number; ok: true; output: string; logs: SandboxLogLine[]; droppedLogs: number }
  | {
      id: number;
      ok: false;
      failure: SandboxFailure;
      logs: SandboxLogLine[];
      droppedLogs: number;
    };

/** What a worker posts: `ready` once QuickJS is compiled, then one answer per request. */
export type WorkerMessage = { type: 'ready' } | { type: 'result'; response: SandboxResponse };
