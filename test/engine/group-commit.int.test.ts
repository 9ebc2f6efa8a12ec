import { defineNode } from '@flowstate/sdk';
import type { ExecutionChange } from '@flowstate/engine';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** A side-effecting step: its result is committed before its successor runs. */
const effect = defineNode({
  type: 'test.effect',
  name: 'Effect',
  group: 'action',
  description: 'returns its input, as a call to an outside system would',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  run: (ctx) => ({ n: (ctx.input as { n: number }).n }),
});

let t: TestEngine;
afterEach(async () => {
  await t.close();
});

describe('group commit', () => {
  test('one batch is in flight at a time, and runs that ask meanwhile share the next one', async () => {
    t = await makeEngine({ extraNodes: [effect] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'one', type: 'test.effect' },
          { id: 'two', type: 'test.effect' },
          { id: 'last', type: 'transform.set', params: { fields: { done: '{{ $input.n }}' } } },
        ],
        ['start->one', 'one->two', 'two->last'],
      ),
    );
    // Slow commits so that requests pile up while a batch is in flight.
    const store = t.store;
    const commit = store.commit.bind(store);
    const inFlight = new Set<string>();
    let batchesInFlight = 0;
    let mostBatchesInFlight = 0;
    let largestBatch = 0;
    const overlapping: string[] = [];
    store.commit = async (changes: readonly ExecutionChange[]) => {
      batchesInFlight += 1;
      mostBatchesInFlight = Math.max(mostBatchesInFlight, batchesInFlight);
      largestBatch = Math.max(largestBatch, changes.length);
      const ids = changes.map((change) => change.execution.id);
      for (const executionId of ids) {
        if (inFlight.has(executionId)) overlapping.push(executionId);
        inFlight.add(executionId);
      }
      try {
        await new Promise((resolve) => setTimeout(resolve, 15));
        return await commit(changes);
      } finally {
        batchesInFlight -= 1;
        for (const executionId of ids) inFlight.delete(executionId);
      }
    };

    // Staggered starts, so that runs ask for commits while another run's batch is in flight.
    const starting = [];
    for (let n = 0; n < 40; n++) {
      starting.push(t.engine.startExecution({ workflowId: id, input: { n } }));
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    const handles = await Promise.all(starting);
    const ended = await Promise.all(handles.map((h) => waitForEnd(t.engine, h.executionId)));
    await t.engine.committer.idle();

    expect(ended.map((e) => e.status)).toEqual(ended.map(() => 'succeeded'));
    expect(ended.map((e) => e.output)).toEqual(ended.map((_, n) => ({ n, done: n })));
    for (const execution of ended) {
      const loaded = await t.store.loadExecution(execution.id);
      const steps = loaded?.steps ?? [];
      expect(steps.map((s) => `${s.key}:${s.status}`).sort()).toEqual([
        'last:succeeded',
        'one:succeeded',
        'start:succeeded',
        'two:succeeded',
      ]);
    }
    expect(overlapping).toEqual([]);
    expect(mostBatchesInFlight).toBe(1);
    // Starts 4 ms apart, commits of 15 ms: several runs gather while a batch is in flight.
    expect(largestBatch).toBeGreaterThan(1);
    expect(batchesInFlight).toBe(0);
  });

  test('a step claimed again while its result waits to be committed is not run again', async () => {
    let runs = 0;
    const counted = defineNode({
      type: 'test.counted',
      name: 'Counted',
      group: 'action',
      description: 'counts its runs, as a call to an outside system would be seen',
      params: z.object({}),
      ports: ['out'],
      sideEffects: true,
      run: () => ({ runs: ++runs }),
    });
    t = await makeEngine({ extraNodes: [counted] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'one', type: 'test.counted' },
          { id: 'last', type: 'transform.set', params: { fields: { done: true } } },
        ],
        ['start->one', 'one->last'],
      ),
    );
    // The commit recording "one" as succeeded is held, as a slow disk would hold it.
    const store = t.store;
    const commit = store.commit.bind(store);
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    store.commit = async (changes: readonly ExecutionChange[]) => {
      const records = changes.some((change) =>
        change.steps.some((w) => w.step.key === 'one' && w.step.status === 'succeeded'),
      );
      if (records) {
        reached();
        await held;
      }
      return commit(changes);
    };
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    await holding;
    // Meanwhile the step's lease ran out (the process stalled) and a poll claims it again.
    const claims = await store.claimSteps({
      owner: t.engine.workerId,
      now: Date.now() + 60_000,
      leaseMs: 2000,
      limit: 10,
    });
    const claim = claims.find((c) => c.step.key === 'one');
    expect(claim?.step.status).toBe('running');
    await t.engine.workers['handleClaim'](claim!);
    release();
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended).toMatchObject({ status: 'succeeded', output: { done: true } });
    expect(runs).toBe(1);
  });
});
