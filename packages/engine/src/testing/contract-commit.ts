import { expect } from 'vitest';
import type { ExecutionRecord, StepRecord } from '../store.js';
import type { ContractContext } from './store-contract.js';
import {
  commitOne,
  insertExecution,
  makeExecution,
  makeStep,
  makeWait,
  seedWorkflow,
  storedStep,
  T0,
} from './store-fixtures.js';

const fullExecution = (id: string): ExecutionRecord =>
  makeExecution(id, {
    status: 'failed',
    output: { total: 3, items: [1, 'two', null, true, { deep: [] }] },
    error: {
      name: 'FlowstateError',
      code: 'HTTP_500',
      message: 'boom',
      retriable: true,
      retryAfterMs: 10,
    },
    response: { status: 201, headers: { 'x-id': '1' }, body: { ok: true } },
    parentExecutionId: 'parent',
    parentStepKey: 'call',
    depth: 1,
    rerunOf: 'older',
    finishedAt: T0 + 50,
    updatedAt: T0 + 50,
  });

const fullStep = (executionId: string): StepRecord =>
  makeStep(executionId, 'loop[3]/http', {
    nodeId: 'http',
    status: 'failed',
    attempt: 2,
    runAt: T0 + 5,
    leaseOwner: 'worker-1',
    leaseExpiresAt: T0 + 30_000,
    input: { url: 'https://example.com', n: 1.5 },
    output: 'text',
    port: 'error',
    error: {
      name: 'Error',
      code: 'NODE_ERROR',
      message: 'bad',
      retriable: false,
      details: [{ path: '/a', message: 'm' }],
    },
    state: { cursor: 4 },
    startedAt: T0 + 6,
    finishedAt: T0 + 9,
    durationMs: 3,
  });

/** Group commit: inserts, seq conflicts, fencing, waits, per-change atomicity. */
export function commitCases({ it }: ContractContext): void {
  it('commit: inserts a new execution with its steps at seq 1', async (store) => {
    await seedWorkflow(store);
    const execution = makeExecution('e1');
    const steps = [
      makeStep('e1', 'a'),
      makeStep('e1', 'b', { status: 'waiting', runAt: undefined }),
    ];
    expect(
      await store.commit([{ expectSeq: 'new', execution, steps: steps.map((step) => ({ step })) }]),
    ).toEqual([{ status: 'ok', seq: 1 }]);
    const loaded = await store.loadExecution('e1');
    expect(loaded?.execution).toEqual({ ...execution, seq: 1 });
    expect(loaded?.steps).toEqual(steps);
    expect(await store.getExecution('e1')).toEqual({ ...execution, seq: 1 });
    expect(await store.loadExecution('missing')).toBeUndefined();
    expect(await store.getExecution('missing')).toBeUndefined();
  });

  it('commit: every optional field round-trips and can be cleared', async (store) => {
    await seedWorkflow(store);
    const execution = fullExecution('e1');
    const step = fullStep('e1');
    await insertExecution(store, execution, [step]);
    expect(await store.loadExecution('e1')).toEqual({
      execution: { ...execution, seq: 1 },
      steps: [step],
    });
    const bare = makeExecution('e1');
    const bareStep = makeStep('e1', step.key, { nodeId: 'http' });
    expect(
      await commitOne(store, { expectSeq: 1, execution: bare, steps: [{ step: bareStep }] }),
    ).toEqual({ status: 'ok', seq: 2 });
    expect(await store.loadExecution('e1')).toEqual({
      execution: { ...bare, seq: 2 },
      steps: [bareStep],
    });
  });

  it('commit: inserting an existing execution conflicts and changes nothing', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a')]);
    const outcome = await commitOne(store, {
      expectSeq: 'new',
      execution: makeExecution('e1', { status: 'cancelled' }),
      steps: [
        { step: makeStep('e1', 'a', { status: 'cancelled' }) },
        { step: makeStep('e1', 'b') },
      ],
    });
    expect(outcome).toEqual({ status: 'conflict' });
    const loaded = await store.loadExecution('e1');
    expect(loaded?.execution).toMatchObject({ status: 'running', seq: 1 });
    expect(loaded?.steps).toEqual([makeStep('e1', 'a')]);
  });

  it('commit: the current seq bumps seq, a stale seq conflicts', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a')]);
    const next = makeExecution('e1', { updatedAt: T0 + 1 });
    const done = makeStep('e1', 'a', { status: 'succeeded', attempt: 1, output: 1 });
    expect(
      await commitOne(store, { expectSeq: 1, execution: next, steps: [{ step: done }] }),
    ).toEqual({ status: 'ok', seq: 2 });
    expect(await commitOne(store, { expectSeq: 2, execution: next, steps: [] })).toEqual({
      status: 'ok',
      seq: 3,
    });
    const stale = await commitOne(store, {
      expectSeq: 2,
      execution: makeExecution('e1', { status: 'cancelled' }),
      steps: [
        { step: makeStep('e1', 'a', { status: 'cancelled' }) },
        { step: makeStep('e1', 'b') },
      ],
    });
    expect(stale).toEqual({ status: 'conflict' });
    expect(await store.loadExecution('e1')).toEqual({
      execution: { ...next, seq: 3 },
      steps: [done],
    });
    expect(
      await commitOne(store, { expectSeq: 7, execution: makeExecution('nope'), steps: [] }),
    ).toEqual({ status: 'conflict' });
  });

  it('commit: a fenced write applies for the lease owner', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a')]);
    const [claimed] = await store.claimSteps({ owner: 'w1', now: T0, leaseMs: 1000, limit: 10 });
    expect(claimed?.step.leaseOwner).toBe('w1');
    const done = {
      ...claimed!.step,
      status: 'succeeded' as const,
      output: { ok: 1 },
      finishedAt: T0 + 2,
    };
    const outcome = await commitOne(store, {
      expectSeq: 1,
      execution: makeExecution('e1'),
      steps: [{ step: done, expectLeaseOwner: 'w1' }],
    });
    expect(outcome).toEqual({ status: 'ok', seq: 2 });
    expect(await storedStep(store, 'e1', 'a')).toEqual(done);
  });

  it('commit: a fenced write of another owner applies nothing of its change, the rest of the batch applies', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a')]);
    await insertExecution(store, makeExecution('e2'), [
      makeStep('e2', 'a', { runAt: T0 + 60_000 }),
    ]);
    await store.claimSteps({ owner: 'w2', now: T0, leaseMs: 1000, limit: 10 });
    const before = await store.loadExecution('e1');
    const late = makeStep('e1', 'a', {
      status: 'succeeded',
      attempt: 1,
      leaseOwner: 'w1',
      output: 'late',
    });
    const successor = makeStep('e1', 'b');
    const outcomes = await store.commit([
      {
        expectSeq: 1,
        execution: makeExecution('e1', { status: 'succeeded', updatedAt: T0 + 3 }),
        steps: [{ step: successor }, { step: late, expectLeaseOwner: 'w1' }],
        addWaits: [makeWait(successor, 'order.paid', 'o-1')],
      },
      {
        expectSeq: 1,
        execution: makeExecution('e2', { updatedAt: T0 + 3 }),
        steps: [{ step: makeStep('e2', 'b') }],
      },
    ]);
    expect(outcomes).toEqual([
      { status: 'fenced', stepKey: 'a' },
      { status: 'ok', seq: 2 },
    ]);
    expect(await store.loadExecution('e1')).toEqual(before);
    expect(await store.findWaits({ eventName: 'order.paid', correlationKey: 'o-1' })).toEqual([]);
    expect((await store.loadExecution('e2'))?.steps.map((s) => s.key)).toEqual(['a', 'b']);
  });

  it('commit: a fenced write to a final step is refused even for its owner', async (store) => {
    await seedWorkflow(store);
    const final = makeStep('e1', 'a', {
      status: 'succeeded',
      attempt: 1,
      leaseOwner: 'w1',
      leaseExpiresAt: T0 + 1000,
    });
    await insertExecution(store, makeExecution('e1'), [final]);
    const outcome = await commitOne(store, {
      expectSeq: 1,
      execution: makeExecution('e1'),
      steps: [{ step: { ...final, status: 'ready' }, expectLeaseOwner: 'w1' }],
    });
    expect(outcome).toEqual({ status: 'fenced', stepKey: 'a' });
    expect(await storedStep(store, 'e1', 'a')).toEqual(final);
  });

  it('commit: conflicts in a batch do not affect the other changes', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'));
    await insertExecution(store, makeExecution('e2'));
    const outcomes = await store.commit([
      { expectSeq: 5, execution: makeExecution('e1', { status: 'cancelled' }), steps: [] },
      { expectSeq: 1, execution: makeExecution('e2', { status: 'paused' }), steps: [] },
      { expectSeq: 'new', execution: makeExecution('e3'), steps: [{ step: makeStep('e3', 'a') }] },
      { expectSeq: 'new', execution: makeExecution('e1'), steps: [] },
    ]);
    expect(outcomes).toEqual([
      { status: 'conflict' },
      { status: 'ok', seq: 2 },
      { status: 'ok', seq: 1 },
      { status: 'conflict' },
    ]);
    expect((await store.getExecution('e1'))?.status).toBe('running');
    expect((await store.getExecution('e2'))?.status).toBe('paused');
    expect((await store.loadExecution('e3'))?.steps).toHaveLength(1);
    expect(await store.commit([])).toEqual([]);
  });

  it('commit: several changes of one execution in a batch apply in order', async (store) => {
    await seedWorkflow(store);
    const outcomes = await store.commit([
      { expectSeq: 'new', execution: makeExecution('e1'), steps: [{ step: makeStep('e1', 'a') }] },
      {
        expectSeq: 1,
        execution: makeExecution('e1', { updatedAt: T0 + 1 }),
        steps: [{ step: makeStep('e1', 'b') }],
      },
      { expectSeq: 1, execution: makeExecution('e1', { status: 'cancelled' }), steps: [] },
      { expectSeq: 2, execution: makeExecution('e1', { updatedAt: T0 + 2 }), steps: [] },
    ]);
    expect(outcomes).toEqual([
      { status: 'ok', seq: 1 },
      { status: 'ok', seq: 2 },
      { status: 'conflict' },
      { status: 'ok', seq: 3 },
    ]);
    const loaded = await store.loadExecution('e1');
    expect(loaded?.execution).toEqual({ ...makeExecution('e1', { updatedAt: T0 + 2 }), seq: 3 });
    expect(loaded?.steps.map((s) => s.key)).toEqual(['a', 'b']);
  });
}
