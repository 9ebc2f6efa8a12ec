import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { serializeError } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { createScriptNode } from './script-node.js';
import { ScriptPool } from './script-pool.js';

// Real worker threads running QuickJS, through the node as the engine calls it.
const pool = new ScriptPool({ size: 2, graceMs: 2000, maxMemoryMb: 64 });
const script = createScriptNode({ pool, maxTimeoutMs: 10_000, maxMemoryMb: 64 });
afterAll(() => pool.close());

async function runScript(code: string, input: unknown = null, params: object = {}) {
  // A generous limit unless a test is about the limit: the machine may be busy.
  const limits = { timeoutMs: 10_000 };
  return testNode(script, { params: { code, ...limits, ...params }, input: input as never });
}

async function scriptError(code: string, params: object = {}) {
  const error = await runScript(code, null, params).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('expected the script to fail');
  return serializeError(error);
}

describe('script.js', () => {
  test('transforms items and captures console lines into the logger', async () => {
    const code = [
      'const items = $input.items.filter((item) => item.qty > 0);',
      'console.log("kept", items.length);',
      'const total = await Promise.resolve(items.reduce((s, i) => s + i.qty * i.price, 0));',
      'return { total, skus: items.map((i) => i.sku), run: $execution.id };',
    ].join('\n');
    const input = {
      items: [
        { sku: 'a', qty: 2, price: 5 },
        { sku: 'b', qty: 0, price: 9 },
        { sku: 'c', qty: 1, price: 1.5 },
      ],
    };
    const result = await runScript(code, input);
    expect(result.output).toEqual({ total: 11.5, skus: ['a', 'c'], run: 'test-execution' });
    expect(result.logs).toEqual([{ level: 'info', message: 'kept 2', data: { console: true } }]);
  });

  test('includeLogs puts the console lines beside the result', async () => {
    const result = await runScript('console.warn("careful"); return 1', null, {
      includeLogs: true,
    });
    expect(result.output).toEqual({ result: 1, logs: [{ level: 'warn', message: 'careful' }] });
  });

  test('escape attempts through the worker find no host', async () => {
    const code = [
      'const found = [];',
      'found.push(typeof Function("return this")().process);',
      'found.push(typeof ({}).constructor.constructor("return typeof process")());',
      'found.push(typeof globalThis.require, typeof globalThis.process, typeof WebAssembly);',
      'try { await import("fs"); found.push("imported") } catch (e) { found.push(e.message) }',
      'return found;',
    ].join('\n');
    expect((await runScript(code)).output).toEqual([
      'undefined',
      'string',
      'undefined',
      'undefined',
      'undefined',
      'scripts cannot import modules ("fs")',
    ]);
  });

  test('prototype pollution in one run is visible neither in the next nor in the host', async () => {
    await runScript('Object.prototype.polluted = true; Array.prototype.push = null; return 1');
    const next = await runScript('const a = []; a.push(1); return [({}).polluted ?? null, a]');
    expect(next.output).toEqual([null, [1]]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('a syntax error is a non-retriable error naming line and column', async () => {
    expect(await scriptError('const ok = 1;\nconst = 2;')).toMatchObject({
      code: 'SCRIPT_SYNTAX',
      retriable: false,
      message: expect.stringMatching(/^Script has a syntax error at line 2, column \d+: /),
    });
  });

  test('a thrown error names its type, line and message', async () => {
    expect(await scriptError('\nnull.x')).toMatchObject({
      code: 'SCRIPT_ERROR',
      retriable: false,
      message: expect.stringMatching(/^Script threw TypeError at line 2, column \d+: /),
    });
  });

  test('while (true) {} hits the time limit while the event loop keeps turning', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const pending = scriptError('while (true) {}', { timeoutMs: 1000 });
    // The host's event loop is free while the script spins in its worker.
    await expect.poll(() => ticks, { timeout: 10_000 }).toBeGreaterThan(3);
    const error = await pending;
    clearInterval(timer);
    expect(error).toMatchObject({
      code: 'SCRIPT_TIMEOUT',
      message: 'Script exceeded its 1000 ms time limit',
    });
  });

  test('huge allocations hit the memory limit and the process stays bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    for (const code of [
      "return 'x'.repeat(2 ** 28).length",
      'const a = []; for (;;) a.push(new Array(1000).fill(1));',
      'const a = []; for (;;) a.push(new ArrayBuffer(1 << 20));',
    ]) {
      expect(await scriptError(code, { timeoutMs: 10_000 })).toMatchObject({
        code: 'SCRIPT_MEMORY',
        retriable: false,
        message: 'Script exceeded its 32 MiB memory limit',
      });
    }
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    // Two workers at 32 MiB each plus QuickJS's base; unbounded growth would reach gigabytes.
    expect(peak - before).toBeLessThan(400 * 1024 * 1024);
  });

  test('deep recursion is a stack error, a function result a clear error', async () => {
    expect(await scriptError('const f = (n) => f(n + 1) + 1;\nreturn f(0)')).toMatchObject({
      code: 'SCRIPT_STACK',
    });
    expect(await scriptError('return { handler() {} }')).toMatchObject({
      code: 'SCRIPT_RESULT',
      message: expect.stringContaining('returned a function at handler'),
    });
  });

  test('params above the host limits are refused', async () => {
    await expect(runScript('return 1', null, { timeoutMs: 60_000 })).rejects.toThrow(/timeoutMs/);
    await expect(runScript('return 1', null, { memoryLimitMb: 512 })).rejects.toThrow(
      /memoryLimitMb/,
    );
  });

  test('an aborted run rejects with the reason and its worker is replaced', async () => {
    const controller = new AbortController();
    const pending = testNode(script, {
      params: { code: 'while (true) {}', timeoutMs: 10_000 },
      signal: controller.signal,
    });
    await expect.poll(() => pool.workerCount, { timeout: 10_000 }).toBeGreaterThan(0);
    setTimeout(() => controller.abort(new Error('cancelled by test')), 200);
    await expect(pending).rejects.toThrow('cancelled by test');
    expect((await runScript('return "still works"')).output).toBe('still works');
  });
});

describe('ScriptPool', () => {
  let dir: string | undefined;
  const request = {
    code: '',
    names: [],
    values: '[]',
    timeoutMs: 100,
    memoryLimitBytes: 8 * 1024 * 1024,
    maxLogLines: 1,
    maxLogLineLength: 1,
  };
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a worker that stops answering is terminated after the limit plus grace', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'flowstate-script-'));
    const file = join(dir, 'hanging-worker.mjs');
    await writeFile(
      file,
      [
        "import { parentPort } from 'node:worker_threads';",
        "parentPort.on('message', () => { for (;;) {} });",
        "parentPort.postMessage({ type: 'ready' });",
      ].join('\n'),
    );
    const hanging = new ScriptPool({ size: 1, graceMs: 100, workerUrl: pathToFileURL(file) });
    try {
      const first = await hanging.run(request);
      expect(first).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
      expect(hanging.workerCount).toBe(0);
      // The next run gets a new worker (which hangs the same way).
      expect(await hanging.run(request)).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    } finally {
      await hanging.close();
    }
  });

  test('a worker that exhausts its V8 heap is reported as the memory limit and dropped', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'flowstate-script-'));
    const file = join(dir, 'greedy-worker.mjs');
    await writeFile(
      file,
      [
        "import { parentPort } from 'node:worker_threads';",
        'const hoard = [];',
        "parentPort.on('message', () => { for (;;) hoard.push({ n: hoard.length, s: 'x' + hoard.length }); });",
        "parentPort.postMessage({ type: 'ready' });",
      ].join('\n'),
    );
    const greedy = new ScriptPool({
      size: 1,
      graceMs: 60_000,
      maxMemoryMb: 8,
      workerUrl: pathToFileURL(file),
    });
    try {
      expect(await greedy.run(request)).toMatchObject({ ok: false, failure: { kind: 'memory' } });
      expect(greedy.workerCount).toBe(0);
    } finally {
      await greedy.close();
    }
  });

  test('a worker entry that cannot start fails the run with a clear error', async () => {
    const broken = new ScriptPool({ size: 1, workerUrl: new URL('file:///nonexistent/w.mjs') });
    try {
      await expect(broken.run(request)).rejects.toThrow(/could not start/);
    } finally {
      await broken.close();
    }
  });
});
