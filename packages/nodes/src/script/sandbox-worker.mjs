// @ts-check
// Entry of a sandbox worker thread (see script-pool.ts). Plain JavaScript: see sandbox.mjs.
import { parentPort } from 'node:worker_threads';
import { compileQuickJS, runInSandbox } from './sandbox.mjs';

/** @typedef {import('./sandbox-protocol.js').SandboxRequest} SandboxRequest */
/** @typedef {import('./sandbox-protocol.js').WorkerMessage} WorkerMessage */

const port = parentPort;
if (port === null) throw new Error('sandbox-worker.mjs must run in a worker thread');
const wasmModule = await compileQuickJS();
// One throw-away run before answering `ready`: V8 compiles WebAssembly functions lazily, and
// that first compilation must not count against a user's time limit.
await runInSandbox(wasmModule, {
  id: 0,
  code: 'const o = JSON.parse(\'{"a":[1,2]}\'); console.log(o); return o.a.map((n) => n * 2);',
  names: [],
  values: '[]',
  timeoutMs: 60_000,
  memoryLimitBytes: 8 * 1024 * 1024,
  maxLogLines: 1,
  maxLogLineLength: 10,
});
port.on('message', (/** @type {SandboxRequest} */ request) => {
  void runInSandbox(wasmModule, request)
    .catch((/** @type {unknown} */ error) => ({
      id: request.id,
      ok: /** @type {const} */ (false),
      failure: {
        kind: /** @type {const} */ ('crash'),
        message: error instanceof Error ? error.message : String(error),
      },
      logs: [],
      droppedLogs: 0,
    }))
    .then((response) => {
      /** @type {WorkerMessage} */
      const message = { type: 'result', response };
      port.postMessage(message);
    });
});
/** @type {WorkerMessage} */
const ready = { type: 'ready' };
port.postMessage(ready);
