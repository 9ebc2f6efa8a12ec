// @ts-check
// Plain JavaScript on purpose: a worker thread loads this file as it is, both from the built
// package and when tests run the TypeScript sources (Node 20 cannot load .ts in a Worker).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core';
import { BOOTSTRAP } from './sandbox-bootstrap.mjs';

/** @typedef {import('./sandbox-protocol.js').SandboxRequest} SandboxRequest */
/** @typedef {import('./sandbox-protocol.js').SandboxResponse} SandboxResponse */
/** @typedef {import('./sandbox-protocol.js').SandboxFailure} SandboxFailure */
/** @typedef {import('./sandbox-protocol.js').SandboxLogLine} SandboxLogLine */
/** @typedef {import('quickjs-emscripten-core').QuickJSContext} QuickJSContext */
/** @typedef {import('quickjs-emscripten-core').QuickJSRuntime} QuickJSRuntime */
/** @typedef {import('quickjs-emscripten-core').QuickJSHandle} QuickJSHandle */

/** The file name QuickJS reports in the user's stack frames. */
const FILE = 'script.js';
const PAGE_BYTES = 65_536;
/** Emscripten's initial 16 MiB: static data, the C stack and QuickJS's own structures. */
const BASE_PAGES = 256;
/** QuickJS's own stack bound; deep recursion fails with a clean error well before the C stack. */
const STACK_BYTES = 256 * 1024;
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);
/** The variant's types describe its CommonJS build; under `import` the default is the variant. */
const variant = /** @type {import('quickjs-emscripten-core').QuickJSSyncVariant} */ (
  /** @type {unknown} */ (releaseSync)
);
/** Node 20's types lack the WebAssembly global; its API is used as documented. */
const wasm = /** @type {any} */ (globalThis).WebAssembly;

/**
 * Compiles the QuickJS WebAssembly file shipped in the variant package (no download). A
 * worker compiles it once and instantiates it afresh for every run.
 * @returns {Promise<unknown>} a `WebAssembly.Module`
 */
export async function compileQuickJS() {
  const require = createRequire(import.meta.url);
  const path = require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
  return wasm.compile(await readFile(path));
}

/**
 * Runs one request in a fresh QuickJS instance whose WebAssembly memory cannot grow past the
 * memory limit (QuickJS's own accounting misses small allocations in this build, so the
 * memory's maximum is the hard bound), with an interrupt handler enforcing the time limit.
 * Nothing survives the run: the next one gets a new instance.
 * @param {unknown} wasmModule a `WebAssembly.Module` from {@link compileQuickJS}
 * @param {SandboxRequest} request
 * @returns {Promise<SandboxResponse>}
 */
export async function runInSandbox(wasmModule, request) {
  /** @type {SandboxLogLine[]} */
  const logs = [];
  const counters = { dropped: 0 };
  const maximum = BASE_PAGES + Math.ceil(request.memoryLimitBytes / PAGE_BYTES);
  /** @type {{ buffer: ArrayBuffer }} */
  const memory = new wasm.Memory({ initial: BASE_PAGES, maximum });
  const quickjs = await newQuickJSWASMModuleFromVariant(
    newVariant(variant, {
      wasmModule: /** @type {any} */ (wasmModule),
      wasmMemory: /** @type {any} */ (memory),
      // Emscripten prints aborts to stderr; they come back to the host as a failure instead.
      emscriptenModule: /** @type {any} */ ({ print: ignore, printErr: ignore }),
    }),
  );
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(request.memoryLimitBytes);
  runtime.setMaxStackSize(STACK_BYTES);
  runtime.setModuleLoader((name) => ({
    error: new Error(`scripts cannot import modules ("${name}")`),
  }));
  const deadline = Date.now() + request.timeoutMs;
  runtime.setInterruptHandler(() => Date.now() > deadline);
  // Emscripten grows memory by 5-20 % steps, so a full memory stalls a little below maximum.
  const nearFull = () => memory.buffer.byteLength >= maximum * PAGE_BYTES * 0.9;
  const context = runtime.newContext();
  /** @type {{ output: string } | { failure: SandboxFailure }} */
  let outcome;
  try {
    outcome = evaluate({ context, runtime, request, deadline, logs, counters });
    // Out of memory, QuickJS may not even allocate the error: it throws null instead.
    if ('failure' in outcome && outcome.failure.kind === 'thrown' && !outcome.failure.name) {
      if (nearFull()) outcome = { failure: { kind: 'memory', message: 'out of memory' } };
    }
  } catch (error) {
    // A trap inside the WebAssembly (an allocation QuickJS did not expect to fail, or the
    // thread's own stack overflowing before QuickJS's stack bound).
    const message = error instanceof Error ? error.message : String(error);
    outcome = {
      failure: nearFull()
        ? { kind: 'memory', message: 'out of memory' }
        : error instanceof RangeError && /call stack/i.test(message)
          ? { kind: 'stack', message: 'stack overflow' }
          : Date.now() > deadline
            ? { kind: 'timeout', message: 'interrupted' }
            : { kind: 'crash', message },
    };
  } finally {
    try {
      context.dispose();
      runtime.dispose();
    } catch {
      // The instance is dropped whole; a failed clean-up leaks nothing past this run.
    }
  }
  const base = { id: request.id, logs, droppedLogs: counters.dropped };
  return 'output' in outcome
    ? { ...base, ok: true, output: outcome.output }
    : { ...base, ok: false, failure: outcome.failure };
}

/**
 * @param {{ context: QuickJSContext, runtime: QuickJSRuntime, request: SandboxRequest,
 *   deadline: number, logs: SandboxLogLine[], counters: { dropped: number } }} run
 * @returns {{ output: string } | { failure: SandboxFailure }}
 */
function evaluate({ context, runtime, request, deadline, logs, counters }) {
  const userLines = request.code.split('\n').length;
  const fail = (/** @type {QuickJSHandle} */ handle, /** @type {'syntax' | 'thrown'} */ kind) => {
    const failure = describeError(context.dump(handle), kind, deadline, userLines);
    handle.dispose();
    return { failure };
  };

  const boot = context.evalCode(BOOTSTRAP, 'bootstrap.js', { type: 'global', strict: true });
  if (boot.error) return fail(boot.error, 'thrown');
  const hostLog = context.newFunction('log', (levelHandle, textHandle) => {
    if (logs.length >= request.maxLogLines) {
      counters.dropped += 1;
      return;
    }
    const level = context.getString(levelHandle);
    const text = context.getString(textHandle);
    logs.push({
      level: /** @type {SandboxLogLine['level']} */ (LEVELS.has(level) ? level : 'info'),
      message:
        text.length > request.maxLogLineLength
          ? `${text.slice(0, request.maxLogLineLength)}…`
          : text,
    });
  });
  const made = context.callFunction(boot.value, context.undefined, hostLog);
  boot.value.dispose();
  hostLog.dispose();
  if (made.error) return fail(made.error, 'thrown');
  const runner = made.value;

  const source = `(async function (${request.names.join(', ')}) {\n${request.code}\n})`;
  const compiled = context.evalCode(source, FILE, { type: 'global', strict: true });
  if (compiled.error) {
    runner.dispose();
    return fail(compiled.error, 'syntax');
  }
  const values = context.newString(request.values);
  const called = context.callFunction(runner, context.undefined, compiled.value, values);
  values.dispose();
  compiled.value.dispose();
  runner.dispose();
  if (called.error) return fail(called.error, 'thrown');
  const promise = called.value;
  try {
    for (;;) {
      const state = context.getPromiseState(promise);
      if (state.type === 'fulfilled') {
        const value = context.dump(state.value);
        state.value.dispose();
        return typeof value === 'string' ? { output: value } : { failure: notJson(value) };
      }
      if (state.type === 'rejected') return fail(state.error, 'thrown');
      const jobs = runtime.executePendingJobs();
      if (jobs.error) return fail(jobs.error, 'thrown');
      if (jobs.value === 0 && context.getPromiseState(promise).type === 'pending') {
        // An interrupt that lands inside a job can drop the rest of a promise chain without
        // surfacing as an error: past the deadline, the clock is what left it unsettled.
        if (Date.now() > deadline) return { failure: { kind: 'timeout', message: 'interrupted' } };
        return {
          failure: {
            kind: 'unsettled',
            message:
              'the script awaited a promise that never settles (there are no timers or I/O in scripts)',
          },
        };
      }
    }
  } finally {
    promise.dispose();
  }
}

/**
 * @param {{ what?: unknown, path?: unknown }} problem from the bootstrap's JSON check
 * @returns {SandboxFailure}
 */
function notJson(problem) {
  const path = typeof problem.path === 'string' && problem.path !== '' ? problem.path : '';
  const where = path === '' ? '' : ` at ${path.replace(/^\./, '')}`;
  return {
    kind: 'result',
    message: `returned ${String(problem.what)}${where}; return JSON data only (objects, arrays, strings, finite numbers, booleans, null)`,
  };
}

/**
 * Classifies what QuickJS threw and locates it in the user's code (line 1 of the source is the
 * function header this file adds, so user line = reported line - 1).
 * @param {unknown} dumped
 * @param {'syntax' | 'thrown'} kind
 * @param {number} deadline
 * @param {number} userLines
 * @returns {SandboxFailure}
 */
export function describeError(dumped, kind, deadline, userLines) {
  const error = typeof dumped === 'object' && dumped !== null ? /** @type {any} */ (dumped) : {};
  const name = typeof error.name === 'string' ? error.name : undefined;
  const message =
    typeof error.message === 'string' ? error.message : `threw ${safeJson(dumped)} (not an Error)`;
  if (name === 'InternalError' && message === 'interrupted') {
    return { kind: 'timeout', name, message };
  }
  if (name === 'InternalError' && message === 'out of memory') return { kind: 'memory', message };
  if (name === 'InternalError' && message === 'stack overflow') {
    return { kind: 'stack', name, message, ...locate(error.stack, userLines) };
  }
  if (Date.now() > deadline && name === 'InternalError') return { kind: 'timeout', message };
  return {
    kind: kind === 'syntax' && name === 'SyntaxError' ? 'syntax' : 'thrown',
    ...(name === undefined ? {} : { name }),
    message,
    ...locate(error.stack, userLines),
  };
}

/**
 * @param {unknown} stack
 * @param {number} userLines
 * @returns {{ line?: number, column?: number }}
 */
function locate(stack, userLines) {
  if (typeof stack !== 'string') return {};
  const match = /script\.js:(\d+)(?::(\d+))?/.exec(stack);
  if (!match) return {};
  const line = Number(match[1]) - 1;
  if (line < 1) return { line: 1 };
  if (line > userLines) return { line: userLines };
  return match[2] === undefined ? { line } : { line, column: Number(match[2]) };
}

function ignore() {}

/** @param {unknown} value */
function safeJson(value) {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
