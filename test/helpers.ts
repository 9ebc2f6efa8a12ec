import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type NodeType, type Workflow } from '@flowstate/core';
import { Engine, type EngineOptions, type ExecutionRecord } from '@flowstate/engine';
import { builtinNodes } from '@flowstate/nodes';
import type { PostgresStore } from '@flowstate/store-postgres';
import { makeTestStore, pgTestEnv } from '@flowstate/store-postgres/testing';
import { SqliteStore } from '@flowstate/store-sqlite';

/**
 * A test engine with the built-in nodes plus `extraNodes`, on a fresh SQLite file, or on a
 * fresh PostgreSQL schema when `FLOWSTATE_TEST_STORE=postgres` (the same tests on both stores).
 */
export interface TestEngine {
  engine: Engine;
  store: SqliteStore | PostgresStore;
  dir: string;
  /** Creates a workflow and returns its id. */
  deploy(workflow: Workflow, id?: string): Promise<string>;
  /** Starts an execution and waits until it ends. */
  run(workflowId: string, input?: unknown): Promise<ExecutionRecord>;
  /** Stops this engine and starts a new one on the same store (a restart). */
  restart(overrides?: Partial<EngineOptions>): Promise<Engine>;
  close(): Promise<void>;
}

let counter = 0;

export async function makeEngine(
  options: {
    extraNodes?: NodeType<any>[];
    blobThresholdBytes?: number;
  } & Partial<EngineOptions> = {},
): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-engine-'));
  const blobs = options.blobThresholdBytes
    ? { blobThresholdBytes: options.blobThresholdBytes }
    : {};
  const { store, dispose } = await testStore(dir, blobs);
  const registry = createRegistry([...builtinNodes, ...(options.extraNodes ?? [])]);
  const { extraNodes: _extra, blobThresholdBytes: _blob, ...engineOptions } = options;
  const make = (overrides: Partial<EngineOptions> = {}) =>
    new Engine({ store, registry, leaseMs: 2000, ...engineOptions, ...overrides });
  let engine = make();
  await engine.start();
  const test: TestEngine = {
    get engine() {
      return engine;
    },
    store,
    dir,
    async deploy(workflow, id = `wf-${++counter}`) {
      await store.createWorkflow({
        id,
        definition: workflow,
        active: true,
        publish: true,
        now: Date.now(),
      });
      return id;
    },
    async run(workflowId, input = {}) {
      const handle = await engine.startExecution({ workflowId, input: input as never });
      return waitForEnd(engine, handle.executionId);
    },
    async restart(overrides) {
      await engine.stop({ graceMs: 100 });
      engine = make(overrides);
      await engine.start({ recover: true });
      return engine;
    },
    async close() {
      await engine.stop({ graceMs: 100 });
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  } as TestEngine;
  return test;
}

async function testStore(
  dir: string,
  options: { blobThresholdBytes?: number },
): Promise<{ store: SqliteStore | PostgresStore; dispose(): Promise<void> }> {
  if (process.env['FLOWSTATE_TEST_STORE'] === 'postgres') {
    if (!pgTestEnv().available) throw new Error('FLOWSTATE_TEST_STORE=postgres needs PostgreSQL');
    const { store, cleanup } = await makeTestStore(options);
    return { store, dispose: cleanup };
  }
  const store = new SqliteStore({
    filename: join(dir, 'flowstate.db'),
    synchronous: 'NORMAL',
    ...options,
  });
  await store.migrate();
  return { store, dispose: () => store.close() };
}

/** Polls the store until the execution is final (works across restarts). */
export async function waitForEnd(
  engine: Engine,
  executionId: string,
  timeoutMs = 15_000,
): Promise<ExecutionRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await engine.store.getExecution(executionId);
    if (execution && ['succeeded', 'failed', 'cancelled'].includes(execution.status))
      return execution;
    if (Date.now() > deadline) {
      throw new Error(
        `Execution ${executionId} did not finish in ${timeoutMs} ms (status ${execution?.status})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Builds a workflow from a compact list of nodes and `from->to` or `from:port->to` edges. */
export function workflow(
  nodes: Array<Partial<Workflow['nodes'][number]> & { id: string; type: string }>,
  edges: string[],
  extra: Partial<Workflow> = {},
): Workflow {
  return {
    schemaVersion: 1,
    name: extra.name ?? 'test',
    nodes: nodes.map((node) => ({ name: node.id, params: {}, ...node })),
    edges: edges.map((spec, index) => {
      const [from, to] = spec.split('->') as [string, string];
      const [source, port] = from.split(':') as [string, string | undefined];
      return { id: `e${index}`, from: source, to, ...(port ? { port } : {}) };
    }),
    ...extra,
  };
}
