import { afterEach, expect, test } from 'vitest';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

let t: TestEngine;
afterEach(async () => {
  await t.close();
});

test('the sweeper resumes a parent whose child finished while nobody was watching', async () => {
  t = await makeEngine();
  const child = await t.deploy(
    workflow(
      [
        { id: 'in', type: 'trigger.manual' },
        { id: 'nap', type: 'wait.delay', params: { durationMs: 60_000 } },
      ],
      ['in->nap'],
    ),
    'slow-child',
  );
  const parent = await t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'flow.call', params: { workflowId: child, input: { n: 1 } } },
        { id: 'after', type: 'transform.set', params: { fields: { resumed: true } } },
      ],
      ['start->call', 'call->after'],
    ),
  );
  const handle = await t.engine.startExecution({ workflowId: parent, input: {} });
  let children: Awaited<ReturnType<typeof t.store.listChildExecutions>> = [];
  for (let i = 0; i < 100 && children.length === 0; i++) {
    children = await t.store.listChildExecutions(handle.executionId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const engine = await t.restart();
  // The child finishes behind the engine's back (as if its worker died right after the commit).
  const loaded = (await t.store.loadExecution(children[0]!.id))!;
  const now = Date.now();
  const outcome = await t.store.commit([
    {
      expectSeq: loaded.execution.seq,
      execution: {
        ...loaded.execution,
        status: 'succeeded',
        output: { fromChild: true },
        finishedAt: now,
      },
      steps: loaded.steps.map((step) => ({
        step:
          step.key === 'nap'
            ? {
                ...step,
                status: 'succeeded' as const,
                output: {},
                runAt: undefined,
                finishedAt: now,
              }
            : step,
      })),
    },
  ]);
  expect(outcome[0]!.status).toBe('ok');
  const stuck = await t.store.findStuck({ limit: 10, now: Date.now() });
  expect(stuck.orphanedChildren.map((c) => c.id)).toEqual([children[0]!.id]);
  await engine.workers.sweep();
  const execution = await waitForEnd(engine, handle.executionId);
  expect(execution.output).toEqual({ fromChild: true, resumed: true });
  expect((await t.store.findStuck({ limit: 10, now: Date.now() })).orphanedChildren).toEqual([]);
});

test('the sweeper finishes a running execution that has nothing left to run', async () => {
  t = await makeEngine();
  const id = await t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'a', type: 'transform.set', params: { fields: { a: 1 } } },
      ],
      ['start->a'],
    ),
  );
  const done = await t.run(id, {});
  const loaded = (await t.store.loadExecution(done.id))!;
  // Leave it "running" with every step final, as a crash between two commits could.
  await t.store.commit([
    {
      expectSeq: loaded.execution.seq,
      execution: {
        ...loaded.execution,
        status: 'running',
        output: undefined,
        finishedAt: undefined,
      },
      steps: [],
    },
  ]);
  expect(
    (await t.store.findStuck({ limit: 10, now: Date.now() })).unfinished.map((e) => e.id),
  ).toEqual([done.id]);
  await t.engine.workers.sweep();
  const execution = await waitForEnd(t.engine, done.id);
  expect(execution.status).toBe('succeeded');
  expect(execution.output).toEqual({ a: 1 });
});
