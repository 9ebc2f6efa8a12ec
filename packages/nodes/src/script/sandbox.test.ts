import { beforeAll, describe, expect, test } from 'vitest';
import type { SandboxRequest, SandboxResponse } from './sandbox-protocol.js';
import { compileQuickJS, runInSandbox } from './sandbox.mjs';

// The sandbox in this thread, without a worker: what QuickJS allows and refuses. Runs that
// spin block this thread for their (short) time limit, which is fine in a test.
let wasmModule: unknown;
beforeAll(async () => {
  wasmModule = await compileQuickJS();
});

function run(code: string, overrides: Partial<SandboxRequest> = {}): Promise<SandboxResponse> {
  return runInSandbox(wasmModule, {
    id: 1,
    code,
    names: ['$input', '$steps'],
    values: JSON.stringify([{ items: [1, 2, 3] }, { Fetch: { ok: true } }]),
    // Generous: this thread's first runs also compile QuickJS's WebAssembly lazily.
    timeoutMs: 10_000,
    memoryLimitBytes: 16 * 1024 * 1024,
    maxLogLines: 3,
    maxLogLineLength: 20,
    ...overrides,
  });
}

async function output(code: string): Promise<unknown> {
  const response = await run(code);
  if (!response.ok) throw new Error(`expected success, got ${JSON.stringify(response.failure)}`);
  return JSON.parse(response.output);
}

async function failure(code: string, overrides: Partial<SandboxRequest> = {}) {
  const response = await run(code, overrides);
  if (response.ok) throw new Error(`expected a failure, got ${response.output}`);
  return response.failure;
}

describe('script sandbox: the contract', () => {
  test.each([
    ['return $input.items.map((n) => n * 2)', [2, 4, 6]],
    ['return $steps.Fetch.ok', true],
    ['const v = await Promise.resolve(41); return v + 1', 42],
    ['return (async () => { await null; return "late" })()', 'late'],
    ['const x = 1', null],
    [
      'return { a: undefined, b: [undefined], d: new Date(0) }',
      { b: [null], d: '1970-01-01T00:00:00.000Z' },
    ],
    ['return "text"', 'text'],
  ])('%s', async (code, expected) => {
    expect(await output(code)).toEqual(expected);
  });

  test('console lines are captured, formatted, bounded and cut', async () => {
    const response = await run(
      'console.log("a", { b: 1 }, [2]); console.warn("w"); console.error("e".repeat(50)); console.debug("dropped"); console.info("dropped too"); return 1',
    );
    expect(response.logs).toEqual([
      { level: 'info', message: 'a {"b":1} [2]' },
      { level: 'warn', message: 'w' },
      { level: 'error', message: `${'e'.repeat(20)}…` },
    ]);
    expect(response.droppedLogs).toBe(2);
  });

  test('each run starts from a fresh global state', async () => {
    await output('Object.prototype.polluted = "yes"; globalThis.leak = 1; return 1');
    expect(await output('return [({}).polluted ?? null, typeof leak]')).toEqual([
      null,
      'undefined',
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('script sandbox: escape attempts find nothing', () => {
  test.each([
    ['return typeof this', 'undefined'],
    ['return typeof Function("return this")().process', 'undefined'],
    ['return typeof ({}).constructor.constructor("return globalThis.process")()', 'undefined'],
    [
      'return typeof Object.getPrototypeOf(async function () {}).constructor("return process")',
      'function',
    ],
    [
      'return [typeof require, typeof process, typeof globalThis.process, typeof module]',
      ['undefined', 'undefined', 'undefined', 'undefined'],
    ],
    [
      'return [typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics]',
      ['undefined', 'undefined', 'undefined'],
    ],
    [
      'return [typeof fetch, typeof setTimeout, typeof XMLHttpRequest, typeof std, typeof os]',
      ['undefined', 'undefined', 'undefined', 'undefined', 'undefined'],
    ],
  ])('%s', async (code, expected) => {
    expect(await output(code)).toEqual(expected);
  });

  test('this.constructor.constructor fails: `this` is undefined in strict code', async () => {
    expect(await failure("return this.constructor.constructor('return process')()")).toMatchObject({
      kind: 'thrown',
      name: 'TypeError',
      line: 1,
    });
  });

  test('a constructed async function still sees no host', async () => {
    const code =
      'const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;\n' +
      'return await AsyncFunction("return typeof process + typeof require")()';
    expect(await output(code)).toBe('undefinedundefined');
  });

  test('import() is refused with a clear error', async () => {
    expect(await failure("const fs = await import('fs');\nreturn fs")).toMatchObject({
      kind: 'thrown',
      message: 'scripts cannot import modules ("fs")',
    });
  });

  test('a static import is a syntax error', async () => {
    expect(await failure("import fs from 'fs'")).toMatchObject({ kind: 'syntax', line: 1 });
  });

  test('Atomics.wait cannot block the thread', async () => {
    expect(
      await failure('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)'),
    ).toMatchObject({ kind: 'thrown', name: 'ReferenceError' });
  });
});

describe('script sandbox: failures are located and classified', () => {
  test('a syntax error names the line and column of the user code', async () => {
    expect(await failure('const a = 1;\nlet = 2;')).toEqual({
      kind: 'syntax',
      name: 'SyntaxError',
      message: 'variable name expected',
      line: 2,
      column: 5,
    });
  });

  test('a thrown error names the line and column', async () => {
    expect(await failure('const a = 1;\n\n  throw new RangeError("too big");')).toEqual({
      kind: 'thrown',
      name: 'RangeError',
      message: 'too big',
      line: 3,
      column: expect.any(Number),
    });
  });

  test('a thrown non-error value is described', async () => {
    expect(await failure('throw { code: 7 }')).toMatchObject({
      kind: 'thrown',
      message: 'threw {"code":7} (not an Error)',
    });
  });

  test('while (true) {} stops at the time limit', async () => {
    expect(await failure('while (true) {}', { timeoutMs: 100 })).toMatchObject({
      kind: 'timeout',
    });
  });

  test('an endless chain of promises stops at the time limit', async () => {
    const code = 'const spin = async () => { await null; return spin(); };\nreturn spin()';
    // Each turn keeps a frame alive: enough memory that the clock, not memory, ends it.
    const limits = { timeoutMs: 100, memoryLimitBytes: 256 * 1024 * 1024 };
    expect(await failure(code, limits)).toMatchObject({ kind: 'timeout' });
  });

  test.each([
    ["return 'x'.repeat(2 ** 28).length"],
    ['const a = []; for (;;) a.push(new Array(1000).fill(1));'],
    ['const a = []; for (;;) a.push({ n: Math.random(), s: "v" + Math.random() });'],
    ['const a = []; for (;;) a.push(new ArrayBuffer(1 << 20));'],
  ])('%s stops at the memory limit', async (code) => {
    expect(await failure(code, { timeoutMs: 20_000 })).toMatchObject({ kind: 'memory' });
  });

  test('deep recursion is a stack error', async () => {
    expect(await failure('function f(n) { return f(n + 1) + 1 }\nreturn f(0)')).toMatchObject({
      kind: 'stack',
      line: 1,
    });
  });

  test('a promise that never settles is reported', async () => {
    expect(await failure('return new Promise(() => {})')).toMatchObject({ kind: 'unsettled' });
  });

  test.each([
    ['return () => 1', 'returned a function;'],
    ['const a = {}; a.self = a; return { a }', 'returned a cyclic reference at a.self;'],
    ['return { items: [1, { when: new Map() }] }', 'returned a Map at items[1].when;'],
    ['return { "a b": 10n }', 'returned a BigInt at ["a b"];'],
    ['return [NaN]', 'returned NaN at [0];'],
    ['return Symbol("s")', 'returned a symbol;'],
  ])('%s is not JSON', async (code, message) => {
    const problem = await failure(code);
    expect(problem.kind).toBe('result');
    expect(problem.message.startsWith(message)).toBe(true);
  });
});
