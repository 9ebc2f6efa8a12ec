import { afterEach, describe, expect, test } from 'vitest';
import { createRegistry } from '@flowstate/core';
import { Engine } from '@flowstate/engine';
import { builtinNodes } from '@flowstate/nodes';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A worker engine (the test engine, polling every 50 ms) and an API engine that runs no steps,
 * on one store: as an API process and a worker process share a PostgreSQL database.
 */
async function apiAndWorker(): Promise<{ worker: TestEngine; api: Engine }> {
  const worker = await makeEngine({ pollIntervalMs: 50 });
  cleanups.push(() => worker.close());
  const api = new Engine({
    store: worker.store,
    registry: createRegistry(builtinNodes),
    runSteps: false,
    outcomePollMs: 50,
  });
  await api.start();
  cleanups.push(() => api.stop({ graceMs: 100 }));
  return { worker, api };
}

const respondingFlow = workflow(
  [
    { id: 'hook', type: 'trigger.webhook', params: { path: 'roles' } },
    { id: 'shape', type: 'transform.set', params: { fields: { greeting: 'hello' } } },
    { id: 'answer', type: 'webhook.respond', params: { status: 201, body: '{{ $input }}' } },
  ],
  ['hook->shape', 'shape->answer'],
);

describe('an engine that runs no steps (API process) beside a worker', () => {
  test('leaves the steps it makes ready unleased, and hears the response the worker commits', async () => {
    const { worker, api } = await apiAndWorker();
    await worker.engine.stop({ graceMs: 100 });
    const id = await worker.deploy(respondingFlow);
    const handle = await api.startExecution({ workflowId: id, input: {} });
    // Nobody runs steps: the API engine does not, and the worker is stopped.
    expect(await handle.outcomeWithin(300)).toBeUndefined();
    const loaded = await api.store.loadExecution(handle.executionId);
    expect(loaded?.steps.find((s) => s.key === 'shape')).toMatchObject({ status: 'ready' });
    expect(loaded?.steps.find((s) => s.key === 'shape')).not.toHaveProperty('leaseOwner');

    await worker.restart({ pollIntervalMs: 50 });
    expect(await handle.outcomeWithin(5000)).toEqual({
      kind: 'response',
      response: { status: 201, body: { greeting: 'hello' } },
    });
    expect((await waitForEnd(api, handle.executionId)).status).toBe('succeeded');
  });

  test('a retry made by the API process is run by the worker', async () => {
    const { worker, api } = await apiAndWorker();
    const id = await worker.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'check',
            type: 'transform.jsonata',
            params: { expression: '$input.ok ? 1 : $x()' },
          },
        ],
        ['start->check'],
      ),
    );
    const handle = await api.startExecution({ workflowId: id, input: { ok: false } });
    expect((await waitForEnd(api, handle.executionId)).status).toBe('failed');
    await api.retry(handle.executionId);
    // The retried step is ready and unleased: the worker claims it (and fails it again).
    expect((await waitForEnd(api, handle.executionId)).status).toBe('failed');
    const check = (await api.store.loadExecution(handle.executionId))!.steps.find(
      (s) => s.key === 'check',
    );
    expect(check?.attempt).toBeGreaterThanOrEqual(1);
    expect(api.executor.inFlight).toBe(0);
  });
});
