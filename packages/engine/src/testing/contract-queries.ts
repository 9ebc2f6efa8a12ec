import { expect } from 'vitest';
import { CANCELLED_BY_FAILURE } from '../progress.js';
import type { ExecutionRecord, ExecutionStatus, StepRecord } from '../store.js';
import type { ContractContext } from './store-contract.js';
import {
  insertExecution,
  makeExecution,
  makeStep,
  seedWorkflow,
  setExecutionStatus,
  T0,
  writeSteps,
} from './store-fixtures.js';

const ids = (records: readonly ExecutionRecord[]): string[] => records.map((r) => r.id);

/** listExecutions, listChildExecutions, findStuck, countSteps. */
export function queryCases({ it }: ContractContext): void {
  it('listExecutions: newest first, filtered, with cursor pagination', async (store) => {
    await seedWorkflow(store, 'wf-contract');
    await seedWorkflow(store, 'wf-other');
    const specs: Array<[string, number, string, ExecutionStatus]> = [
      ['e1', 1, 'wf-contract', 'succeeded'],
      ['e2', 2, 'wf-other', 'running'],
      ['e3', 2, 'wf-contract', 'failed'],
      ['e4', 3, 'wf-contract', 'running'],
      ['e5', 5, 'wf-other', 'failed'],
      ['e6', 5, 'wf-contract', 'running'],
      ['e7', 8, 'wf-contract', 'running'],
    ];
    for (const [id, at, workflowId, status] of specs) {
      await insertExecution(
        store,
        makeExecution(id, { createdAt: T0 + at, updatedAt: T0 + at, workflowId, status }),
      );
    }
    const all = ['e7', 'e6', 'e5', 'e4', 'e3', 'e2', 'e1'];
    expect(ids(await store.listExecutions({ limit: 100 }))).toEqual(all);
    const paged: string[] = [];
    let before: { createdAt: number; id: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const rows = await store.listExecutions({ limit: 3, ...(before ? { before } : {}) });
      if (rows.length === 0) break;
      expect(rows.length).toBeLessThanOrEqual(3);
      paged.push(...ids(rows));
      const last = rows[rows.length - 1]!;
      before = { createdAt: last.createdAt, id: last.id };
    }
    expect(paged).toEqual(all);
    expect(ids(await store.listExecutions({ limit: 10, workflowId: 'wf-other' }))).toEqual([
      'e5',
      'e2',
    ]);
    expect(ids(await store.listExecutions({ limit: 10, status: 'failed' }))).toEqual(['e5', 'e3']);
    expect(
      ids(await store.listExecutions({ limit: 10, status: 'running', workflowId: 'wf-contract' })),
    ).toEqual(['e7', 'e6', 'e4']);
    expect(
      ids(
        await store.listExecutions({
          limit: 10,
          status: 'running',
          before: { createdAt: T0 + 5, id: 'e6' },
        }),
      ),
    ).toEqual(['e4', 'e2']);
    expect((await store.listExecutions({ limit: 1 }))[0]).toEqual({
      ...makeExecution('e7', { createdAt: T0 + 8, updatedAt: T0 + 8 }),
      seq: 1,
    });
  });

  it('listChildExecutions: children of a parent in creation order', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('parent'), [
      makeStep('parent', 'call', { status: 'waiting', runAt: undefined }),
    ]);
    const child = (id: string, at: number) =>
      makeExecution(id, {
        parentExecutionId: 'parent',
        parentStepKey: 'call',
        depth: 1,
        createdAt: T0 + at,
      });
    await insertExecution(store, child('c2', 2));
    await insertExecution(store, child('c1', 1));
    await insertExecution(store, makeExecution('unrelated'));
    expect(ids(await store.listChildExecutions('parent'))).toEqual(['c1', 'c2']);
    expect((await store.listChildExecutions('parent'))[0]).toEqual({ ...child('c1', 1), seq: 1 });
    expect(await store.listChildExecutions('unrelated')).toEqual([]);
    expect(ids(await store.listExecutions({ limit: 10, parentExecutionId: 'parent' }))).toEqual([
      'c2',
      'c1',
    ]);
  });

  it('findStuck: finished children of waiting parents, and running executions with nothing left to do', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('parent'), [
      makeStep('parent', 'call', { status: 'waiting', runAt: undefined }),
      makeStep('parent', 'call2', { status: 'waiting', runAt: undefined }),
      makeStep('parent', 'call3', { status: 'succeeded' }),
    ]);
    const child = (id: string, key: string, status: ExecutionStatus) =>
      makeExecution(id, {
        parentExecutionId: 'parent',
        parentStepKey: key,
        depth: 1,
        status,
        finishedAt: T0 + 1,
      });
    await insertExecution(store, child('orphan', 'call', 'succeeded'));
    await insertExecution(store, child('busy', 'call2', 'running'), [makeStep('busy', 'a')]);
    await insertExecution(store, child('delivered', 'call3', 'failed'));
    await insertExecution(store, makeExecution('idle'), [
      makeStep('idle', 'a', { status: 'succeeded' }),
    ]);
    await insertExecution(store, makeExecution('empty'));
    await insertExecution(store, makeExecution('paused', { status: 'paused' }));
    await insertExecution(store, makeExecution('waiting-only'), [
      makeStep('waiting-only', 'w', { status: 'waiting' }),
    ]);
    const stuck = await store.findStuck({ limit: 10, now: T0 });
    expect(ids(stuck.orphanedChildren)).toEqual(['orphan']);
    expect(stuck.orphanedChildren[0]).toEqual({ ...child('orphan', 'call', 'succeeded'), seq: 1 });
    expect(ids(stuck.unfinished).sort()).toEqual(['empty', 'idle']);
    expect(stuck.abandonedChildren).toEqual([]);
    expect((await store.findStuck({ limit: 1, now: T0 })).unfinished).toHaveLength(1);
  });

  it('findStuck: unfinished children whose calling step was cancelled, unless asked to run on', async (store) => {
    await seedWorkflow(store);
    const call = (childExecutionId: string, keepOnFailure?: true) => ({
      kind: 'call',
      childExecutionId,
      ...(keepOnFailure ? { keepOnFailure } : {}),
    });
    /** A caller whose calls waited (one row per step), then ended as `status`. */
    const caller = async (
      id: string,
      calls: Array<[key: string, child: string, keepOnFailure?: true]>,
      status: ExecutionStatus,
      cancelled: Partial<StepRecord>,
    ) => {
      const waiting = calls.map(([key, child, keep]) =>
        makeStep(id, key, { status: 'waiting', runAt: undefined, state: call(child, keep) }),
      );
      await insertExecution(store, makeExecution(id), waiting);
      if (status === 'running') return;
      await writeSteps(
        store,
        id,
        waiting.map((step) => ({ ...step, status: 'cancelled', finishedAt: T0 + 1, ...cancelled })),
      );
      await setExecutionStatus(store, id, status, T0 + 1);
    };
    await caller(
      'failed',
      [
        ['c1', 'f1'],
        ['c2', 'f2', true],
        ['c3', 'f3'],
      ],
      'failed',
      { error: CANCELLED_BY_FAILURE },
    );
    // An operator's cancel cancels every child, also one asked to run on after a failure.
    await caller('cancelled', [['k1', 'k1-child', true]], 'cancelled', {});
    await caller('live', [['w1', 'w1-child']], 'running', {});
    const child = (id: string, parent: string, key: string, status: ExecutionStatus) =>
      insertExecution(
        store,
        makeExecution(id, { parentExecutionId: parent, parentStepKey: key, depth: 1, status }),
        status === 'succeeded' ? [] : [makeStep(id, 'a')],
      );
    await child('f1', 'failed', 'c1', 'running');
    await child('f2', 'failed', 'c2', 'running');
    await child('f3', 'failed', 'c3', 'succeeded');
    await child('k1-child', 'cancelled', 'k1', 'paused');
    await child('w1-child', 'live', 'w1', 'running');

    const stuck = await store.findStuck({ limit: 10, now: T0 });
    expect(ids(stuck.abandonedChildren).sort()).toEqual(['f1', 'k1-child']);
    expect(stuck.abandonedChildren.find((c) => c.id === 'f1')).toMatchObject({
      parentExecutionId: 'failed',
      parentStepKey: 'c1',
      status: 'running',
    });
    expect((await store.findStuck({ limit: 1, now: T0 })).abandonedChildren).toHaveLength(1);
  });

  it('findStuck: unfinished executions past their deadline, earliest first', async (store) => {
    await seedWorkflow(store);
    const at = (id: string, deadlineAt: number | undefined, status: ExecutionStatus = 'running') =>
      insertExecution(
        store,
        makeExecution(id, { status, ...(deadlineAt === undefined ? {} : { deadlineAt }) }),
        status === 'running' || status === 'paused'
          ? [makeStep(id, 'a', { status: 'waiting' })]
          : [],
      );
    await at('late', T0 + 20);
    await at('later', T0 + 30, 'paused');
    await at('early', T0 + 10);
    await at('future', T0 + 1_000);
    await at('none', undefined);
    await at('ended', T0 + 5, 'failed');
    const overdue = (now: number, limit = 10) =>
      store.findStuck({ limit, now }).then((stuck) => ids(stuck.overdue));
    expect(await overdue(T0 + 30)).toEqual(['early', 'late', 'later']);
    expect(await overdue(T0 + 20, 1)).toEqual(['early']);
    expect(await overdue(T0)).toEqual([]);
    // The deadline is stored and read back with the execution.
    expect((await store.getExecution('late'))?.deadlineAt).toBe(T0 + 20);
    expect((await store.getExecution('none'))?.deadlineAt).toBeUndefined();
  });

  it('countSteps: counts by status, overall and for one execution', async (store) => {
    await seedWorkflow(store);
    const zero = {
      ready: 0,
      running: 0,
      waiting: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
    };
    expect(await store.countSteps()).toEqual(zero);
    await insertExecution(store, makeExecution('e1'), [
      makeStep('e1', 'a'),
      makeStep('e1', 'b'),
      makeStep('e1', 'c', { status: 'succeeded' }),
      makeStep('e1', 'd', { status: 'waiting' }),
    ]);
    await insertExecution(store, makeExecution('e2'), [
      makeStep('e2', 'a', { status: 'failed' }),
      makeStep('e2', 'b', { status: 'skipped' }),
    ]);
    await store.claimSteps({ owner: 'w1', now: T0, leaseMs: 10, limit: 1 });
    expect(await store.countSteps()).toEqual({
      ...zero,
      ready: 1,
      running: 1,
      waiting: 1,
      succeeded: 1,
      failed: 1,
      skipped: 1,
    });
    expect(await store.countSteps({ executionId: 'e2' })).toEqual({
      ...zero,
      failed: 1,
      skipped: 1,
    });
    expect(await store.countSteps({ executionId: 'missing' })).toEqual(zero);
    expect(await store.countActiveSteps()).toEqual({ ready: 1, running: 1, waiting: 1 });
  });

  it('countActiveSteps: only ready, running and waiting steps, none of a finished execution', async (store) => {
    await seedWorkflow(store);
    expect(await store.countActiveSteps()).toEqual({ ready: 0, running: 0, waiting: 0 });
    await insertExecution(store, makeExecution('e1'), [
      makeStep('e1', 'a', { status: 'waiting' }),
      makeStep('e1', 'b', { status: 'waiting' }),
      makeStep('e1', 'c', { status: 'succeeded' }),
    ]);
    await insertExecution(store, makeExecution('e2', { status: 'succeeded' }), [
      makeStep('e2', 'a', { status: 'succeeded' }),
    ]);
    expect(await store.countActiveSteps()).toEqual({ ready: 0, running: 0, waiting: 2 });
  });
}
