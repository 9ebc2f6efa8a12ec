import { afterEach, describe, expect, test } from 'vitest';
import { createRegistry } from '@flowstate/core';
import { Engine } from '@flowstate/engine';
import { builtinNodes } from '@flowstate/nodes';
import { PostgresStore } from '@flowstate/store-postgres';
import { makeTestStore, pgTestEnv, testDatabaseUrl } from '@flowstate/store-postgres/testing';
import { waitForEnd, workflow } from '../helpers.js';

const pg = pgTestEnv();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!pg.available)('workers woken by PostgreSQL NOTIFY', () => {
  test('a worker claims a step another process made due without waiting for its next poll', async () => {
    const { store: storeA, schema, cleanup } = await makeTestStore();
    cleanups.push(cleanup);
    const storeB = new PostgresStore({ connectionString: testDatabaseUrl(), schema });
    cleanups.push(() => storeB.close());
    const registry = createRegistry(builtinNodes);
    // Worker A polls once a minute: only the wake-up can make it claim within the test.
    const worker = new Engine({ store: storeA, registry, pollIntervalMs: 60_000, workerId: 'A' });
    await worker.start();
    cleanups.push(() => worker.stop({ graceMs: 100 }));
    await worker.workers.poll();
    await storeA.wakeReady();
    // Process B starts the execution but runs no workers: its wait is left for others.
    const api = new Engine({ store: storeB, registry, workerId: 'B' });
    const id = 'nap-then-set';
    await storeB.createWorkflow({
      id,
      definition: workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 300 } },
          { id: 'after', type: 'transform.set', params: { fields: { done: true } } },
        ],
        ['start->nap', 'nap->after'],
      ),
      active: true,
      publish: true,
      now: Date.now(),
    });
    const started = Date.now();
    const handle = await api.startExecution({ workflowId: id, input: {} });
    const execution = await waitForEnd(worker, handle.executionId, 10_000);
    expect(execution.status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(10_000);
    const steps = (await storeA.loadExecution(handle.executionId))!.steps;
    expect(steps.find((s) => s.key === 'after')?.output).toMatchObject({ done: true });
  });
});

describe.skipIf(!pg.available)('outcomes announced by PostgreSQL NOTIFY', () => {
  test('an API process learns of an outcome another process committed without polling for it', async () => {
    const { store: workerStore, schema, cleanup } = await makeTestStore();
    cleanups.push(cleanup);
    const apiStore = new PostgresStore({ connectionString: testDatabaseUrl(), schema });
    cleanups.push(() => apiStore.close());
    const registry = createRegistry(builtinNodes);
    const worker = new Engine({ store: workerStore, registry, workerId: 'worker' });
    await worker.start();
    cleanups.push(() => worker.stop({ graceMs: 100 }));
    await workerStore.wakeReady();
    // The API process runs no steps and reads outcomes only once a minute: within the test,
    // only the worker's settled notification can tell it the outcome.
    const api = new Engine({
      store: apiStore,
      registry,
      workerId: 'api',
      runSteps: false,
      outcomePollMs: 60_000,
    });
    await api.start();
    cleanups.push(() => api.stop({ graceMs: 100 }));
    await apiStore.wakeReady();
    const id = 'respond-later';
    await apiStore.createWorkflow({
      id,
      definition: workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 200 } },
          { id: 'after', type: 'transform.set', params: { fields: { done: true } } },
        ],
        ['start->nap', 'nap->after'],
      ),
      active: true,
      publish: true,
      now: Date.now(),
    });
    const handles = await Promise.all(
      [1, 2, 3].map((n) => api.startExecution({ workflowId: id, input: { n } })),
    );
    const outcomes = await Promise.all(handles.map((handle) => handle.outcomeWithin(10_000)));
    expect(outcomes.map((outcome) => outcome?.kind)).toEqual(['finished', 'finished', 'finished']);
    for (const [n, outcome] of outcomes.entries()) {
      expect(outcome).toMatchObject({
        execution: { status: 'succeeded', output: { n: n + 1, done: true } },
      });
    }
  });
});
