import { z } from 'zod';
import { defineNode, type JsonValue, type NodeContext, type NodeType } from '@flowstate/sdk';
import { ScriptError, ScriptSandboxError, scriptFailureError } from './script-errors.js';
import { ScriptPool } from './script-pool.js';

const MIB = 1024 * 1024;

/** Default and largest limits of `script.js`. */
export const SCRIPT_LIMITS = {
  timeoutMs: 1000,
  memoryLimitMb: 32,
  maxTimeoutMs: 30_000,
  maxMemoryMb: 256,
  workers: 2,
  /** Console lines kept per run, and characters per line. */
  maxLogLines: 100,
  maxLogLineLength: 2000,
} as const;

/** The variables a script receives, in the order of its function's parameters. */
export const SCRIPT_VARIABLES = [
  '$input',
  '$trigger',
  '$steps',
  '$vars',
  '$execution',
  '$item',
  '$index',
  '$now',
] as const;

/** Host configuration of `script.js` (see {@link createScriptNode}). */
export interface ScriptNodeOptions {
  /** Largest `timeoutMs` a workflow may set (default 30000). */
  maxTimeoutMs?: number;
  /** Largest `memoryLimitMb` a workflow may set (default 256). */
  maxMemoryMb?: number;
  /** Worker threads running scripts at once (default 2). */
  workers?: number;
  /** A pool to run scripts in instead of a new one (tests, or several nodes sharing one). */
  pool?: ScriptPool;
}

/** The params schema of `script.js` under the host's largest limits. */
export function scriptParams(limits: { maxTimeoutMs: number; maxMemoryMb: number }) {
  return z.object({
    code: z
      .string()
      .min(1)
      .max(200_000)
      .describe(
        'JavaScript: the body of an async function. It reads $input, $trigger, $steps, $vars, $execution, $item, $index and $now, may await, and `return`s the output (JSON data). console.log lines go to the execution log.',
      ),
    timeoutMs: z
      .int()
      .min(10)
      .max(limits.maxTimeoutMs)
      .default(Math.min(SCRIPT_LIMITS.timeoutMs, limits.maxTimeoutMs))
      .describe(
        `Wall-clock time the script may run, in milliseconds (at most ${limits.maxTimeoutMs}).`,
      ),
    memoryLimitMb: z
      .int()
      .min(8)
      .max(limits.maxMemoryMb)
      .default(Math.min(SCRIPT_LIMITS.memoryLimitMb, limits.maxMemoryMb))
      .describe(
        `Memory the script may use, in MiB, its input variables included (at most ${limits.maxMemoryMb}).`,
      ),
    includeLogs: z
      .boolean()
      .default(false)
      .describe(
        'Output { result, logs } instead of the bare result, so console lines show with the step.',
      ),
  });
}
export type ScriptParams = z.output<ReturnType<typeof scriptParams>>;

const DESCRIPTION = `Runs JavaScript in a sandbox (QuickJS, in a worker thread) with time and memory limits. The code is the body of an async function: read $input, $trigger, $steps, $vars, $execution, $item, $index, $now, and return the output as JSON data. No require, import, network, timers or process. Example:
const total = $input.items.reduce((sum, item) => sum + item.price * item.qty, 0);
console.log('items', $input.items.length);
return { total, currency: $input.currency };`;

/**
 * Creates the `script.js` node: user JavaScript run in QuickJS on a pool of worker threads,
 * bounded in time (inside QuickJS and by the host) and memory. See docs/scripts.md.
 *
 * @example
 * ```ts
 * const script = createScriptNode({ maxTimeoutMs: 5000, maxMemoryMb: 64, workers: 1 });
 * ```
 */
export function createScriptNode(options: ScriptNodeOptions = {}): NodeType<ScriptParams> {
  const maxTimeoutMs = options.maxTimeoutMs ?? SCRIPT_LIMITS.maxTimeoutMs;
  const maxMemoryMb = options.maxMemoryMb ?? SCRIPT_LIMITS.maxMemoryMb;
  let pool = options.pool;
  const getPool = () =>
    (pool ??= new ScriptPool({ size: options.workers ?? SCRIPT_LIMITS.workers, maxMemoryMb }));

  return defineNode({
    type: 'script.js',
    name: 'JavaScript',
    group: 'data',
    description: DESCRIPTION,
    icon: 'code',
    params: scriptParams({ maxTimeoutMs, maxMemoryMb }),
    rawParams: ['code'],
    // Same input, same output: a crash re-runs it, simulation runs it for real.
    sideEffects: false,
    async run(ctx): Promise<JsonValue> {
      const { code, timeoutMs, memoryLimitMb, includeLogs } = ctx.params;
      const values = JSON.stringify(SCRIPT_VARIABLES.map((name) => variableValue(ctx, name)));
      if (values.length > memoryLimitMb * MIB) {
        throw new ScriptError(
          'SCRIPT_INPUT_TOO_LARGE',
          `Script input ($input, $steps, ...) is ${Math.ceil(values.length / MIB)} MiB, more than its ${memoryLimitMb} MiB memory limit`,
        );
      }
      let response;
      try {
        response = await getPool().run(
          {
            code,
            names: [...SCRIPT_VARIABLES],
            values,
            timeoutMs,
            memoryLimitBytes: memoryLimitMb * MIB,
            maxLogLines: SCRIPT_LIMITS.maxLogLines,
            maxLogLineLength: SCRIPT_LIMITS.maxLogLineLength,
          },
          ctx.signal,
        );
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        throw new ScriptSandboxError(error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
      for (const line of response.logs) ctx.logger[line.level](line.message, { console: true });
      if (response.droppedLogs > 0) {
        ctx.logger.warn(`script wrote ${response.droppedLogs} more console lines (not kept)`);
      }
      if (!response.ok) throw scriptFailureError(response.failure, { timeoutMs, memoryLimitMb });
      const result = JSON.parse(response.output) as JsonValue;
      if (!includeLogs) return result;
      return {
        result,
        logs: response.logs.map((line) => ({ level: line.level, message: line.message })),
        ...(response.droppedLogs > 0 ? { droppedLogs: response.droppedLogs } : {}),
      };
    },
  });
}

/** A variable's value: from the engine's scope, or what the context alone tells. */
function variableValue(ctx: NodeContext<unknown>, name: (typeof SCRIPT_VARIABLES)[number]) {
  const scope = ctx.scope;
  switch (name) {
    case '$input':
      return ctx.input;
    case '$trigger':
      return scope?.trigger ?? null;
    case '$steps':
      return scope?.steps ?? {};
    case '$vars':
      return scope?.vars ?? {};
    case '$execution':
      return scope?.execution ?? ctx.execution;
    case '$item':
      return scope?.item ?? null;
    case '$index':
      return scope?.index ?? null;
    case '$now':
      return scope?.now ?? ctx.now().toISOString();
  }
}
