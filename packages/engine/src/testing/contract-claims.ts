import { expect } from 'vitest';
import type { ContractContext } from './store-contract.js';
import {
  insertExecution,
  makeExecution,
  makeStep,
  seedWorkflow,
  setExecutionStatus,
  storedStep,
  T0,
} from './store-fixtures.js';

const LEASE = 30_000;

/** claimSteps, lease renewal, release and expiry, nextDueAt. */
export function claimCases({ it }: ContractContext): void {
  it('claimSteps: a due ready step becomes running with attempt + 1 and a lease', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a', { input: { x: 1 } })]);
    const claimed = await store.claimSteps({
      owner: 'w1',
      now: T0 + 10,
      leaseMs: LEASE,
      limit: 10,
    });
    const expected = makeStep('e1', 'a', {
      input: { x: 1 },
      status: 'running',
      attempt: 1,
      leaseOwner: 'w1',
      leaseExpiresAt: T0 + 10 + LEASE,
    });
    expect(claimed).toEqual([{ step: expected, previousStatus: 'ready' }]);
    expect(await storedStep(store, 'e1', 'a')).toEqual(expected);
  });

  it('claimSteps: ready steps whose runAt has not come are left alone', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a', { runAt: T0 + 1000 })]);
    expect(
      await store.claimSteps({ owner: 'w1', now: T0 + 999, leaseMs: LEASE, limit: 10 }),
    ).toEqual([]);
    const later = await store.claimSteps({
      owner: 'w1',
      now: T0 + 1000,
      leaseMs: LEASE,
      limit: 10,
    });
    expect(later.map((c) => c.step.key)).toEqual(['a']);
  });

  it('claimSteps: a leased step is not claimed again until its lease expires', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [makeStep('e1', 'a')]);
    await store.claimSteps({ owner: 'w1', now: T0, leaseMs: LEASE, limit: 10 });
    expect(
      await store.claimSteps({ owner: 'w2', now: T0 + LEASE - 1, leaseMs: LEASE, limit: 10 }),
    ).toEqual([]);
    const takeover = await store.claimSteps({
      owner: 'w2',
      now: T0 + LEASE,
      leaseMs: LEASE,
      limit: 10,
    });
    expect(takeover).toEqual([
      {
        step: makeStep('e1', 'a', {
          status: 'running',
          attempt: 2,
          leaseOwner: 'w2',
          leaseExpiresAt: T0 + 2 * LEASE,
        }),
        previousStatus: 'running',
      },
    ]);
  });

  it('claimSteps: a waiting step whose time is up is leased and stays waiting', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [
      makeStep('e1', 'timer', {
        status: 'waiting',
        attempt: 1,
        runAt: T0 + 500,
        state: { until: T0 + 500 },
      }),
      makeStep('e1', 'event', { status: 'waiting', attempt: 1, runAt: undefined }),
      makeStep('e1', 'later', { status: 'waiting', attempt: 1, runAt: T0 + 10_000 }),
    ]);
    const claimed = await store.claimSteps({
      owner: 'w1',
      now: T0 + 600,
      leaseMs: LEASE,
      limit: 10,
    });
    expect(claimed).toEqual([
      {
        step: makeStep('e1', 'timer', {
          status: 'waiting',
          attempt: 1,
          runAt: T0 + 500,
          state: { until: T0 + 500 },
          leaseOwner: 'w1',
          leaseExpiresAt: T0 + 600 + LEASE,
        }),
        previousStatus: 'waiting',
      },
    ]);
    expect(
      await store.claimSteps({ owner: 'w2', now: T0 + 601, leaseMs: LEASE, limit: 10 }),
    ).toEqual([]);
  });

  it('claimSteps: respects the limit and takes the earliest runAt first', async (store) => {
    await seedWorkflow(store);
    const offsets = [40, 10, 30, 0, 20];
    await insertExecution(
      store,
      makeExecution('e1'),
      offsets.map((o) => makeStep('e1', `s${o}`, { runAt: T0 + o })),
    );
    const first = await store.claimSteps({ owner: 'w1', now: T0 + 100, leaseMs: LEASE, limit: 2 });
    expect(first.map((c) => c.step.key)).toEqual(['s0', 's10']);
    const second = await store.claimSteps({ owner: 'w2', now: T0 + 100, leaseMs: LEASE, limit: 2 });
    expect(second.map((c) => c.step.key)).toEqual(['s20', 's30']);
    const rest = await store.claimSteps({ owner: 'w3', now: T0 + 100, leaseMs: LEASE, limit: 10 });
    expect(rest.map((c) => c.step.key)).toEqual(['s40']);
    expect(
      await store.claimSteps({ owner: 'w3', now: T0 + 100, leaseMs: LEASE, limit: 0 }),
    ).toEqual([]);
  });

  it('claimSteps: steps of paused or finished executions are never claimed', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('paused', { status: 'paused' }), [
      makeStep('paused', 'a'),
    ]);
    await insertExecution(store, makeExecution('done', { status: 'cancelled' }), [
      makeStep('done', 'a', { status: 'running', attempt: 1 }),
    ]);
    await insertExecution(store, makeExecution('live'), [
      makeStep('live', 'ok', { status: 'succeeded', attempt: 1 }),
      makeStep('live', 'skip', { status: 'skipped' }),
    ]);
    expect(
      await store.claimSteps({ owner: 'w1', now: T0 + LEASE * 10, leaseMs: LEASE, limit: 10 }),
    ).toEqual([]);
    await setExecutionStatus(store, 'paused', 'running');
    const resumed = await store.claimSteps({ owner: 'w1', now: T0, leaseMs: LEASE, limit: 10 });
    expect(resumed.map((c) => `${c.step.executionId}/${c.step.key}`)).toEqual(['paused/a']);
  });

  it('renewLeases: extends only the leases the owner still holds', async (store) => {
    await seedWorkflow(store);
    await insertExecution(
      store,
      makeExecution('e1'),
      ['a', 'b', 'c'].map((k, i) => makeStep('e1', k, { runAt: T0 + i })),
    );
    await store.claimSteps({ owner: 'w1', now: T0 + 2, leaseMs: 98, limit: 2 });
    await store.claimSteps({ owner: 'w2', now: T0 + 2, leaseMs: 98, limit: 1 });
    const refs = ['a', 'b', 'c', 'missing'].map((key) => ({ executionId: 'e1', key }));
    const held = await store.renewLeases({ owner: 'w1', steps: refs, leaseExpiresAt: T0 + 5000 });
    expect(held.map((ref) => `${ref.executionId}/${ref.key}`).sort()).toEqual(['e1/a', 'e1/b']);
    expect((await storedStep(store, 'e1', 'a')).leaseExpiresAt).toBe(T0 + 5000);
    expect(await storedStep(store, 'e1', 'c')).toMatchObject({
      leaseOwner: 'w2',
      leaseExpiresAt: T0 + 100,
    });
    expect(await store.renewLeases({ owner: 'w1', steps: [], leaseExpiresAt: T0 + 9000 })).toEqual(
      [],
    );
    expect(await store.claimSteps({ owner: 'w3', now: T0 + 200, leaseMs: 100, limit: 10 })).toEqual(
      [expect.objectContaining({ step: expect.objectContaining({ key: 'c', leaseOwner: 'w3' }) })],
    );
  });

  it('releaseLeases: released steps can be claimed at once by others', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'), [
      makeStep('e1', 'a'),
      makeStep('e1', 'b', { runAt: T0 + 1 }),
    ]);
    await store.claimSteps({ owner: 'w1', now: T0 + 1, leaseMs: LEASE, limit: 1 });
    await store.claimSteps({ owner: 'w2', now: T0 + 1, leaseMs: LEASE, limit: 1 });
    await store.releaseLeases('w1');
    const claimed = await store.claimSteps({ owner: 'w3', now: T0 + 1, leaseMs: LEASE, limit: 10 });
    expect(claimed).toEqual([
      {
        step: makeStep('e1', 'a', {
          status: 'running',
          attempt: 2,
          leaseOwner: 'w3',
          leaseExpiresAt: T0 + 1 + LEASE,
        }),
        previousStatus: 'running',
      },
    ]);
    expect((await storedStep(store, 'e1', 'b')).leaseOwner).toBe('w2');
  });

  it('expireLeases: expires the leases of every other owner', async (store) => {
    await seedWorkflow(store);
    await insertExecution(
      store,
      makeExecution('e1'),
      ['a', 'b', 'c'].map((k, i) => makeStep('e1', k, { runAt: T0 + i })),
    );
    for (const owner of ['dead-1', 'dead-2', 'me'])
      await store.claimSteps({ owner, now: T0 + 2, leaseMs: LEASE, limit: 1 });
    expect(await store.expireLeases({ exceptOwner: 'me', now: T0 + 5 })).toBe(2);
    const claimed = await store.claimSteps({ owner: 'me', now: T0 + 5, leaseMs: LEASE, limit: 10 });
    expect(claimed.map((c) => c.step.key).sort()).toEqual(['a', 'b']);
    expect(claimed.every((c) => c.step.attempt === 2 && c.previousStatus === 'running')).toBe(true);
    expect(await store.expireLeases({ exceptOwner: 'me', now: T0 + 6 })).toBe(0);
  });

  it('nextDueAt: earliest runAt of claimable ready and timed waiting steps', async (store) => {
    expect(await store.nextDueAt()).toBeUndefined();
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('paused', { status: 'paused' }), [
      makeStep('paused', 'a', { runAt: T0 - 100 }),
    ]);
    await insertExecution(store, makeExecution('e1'), [
      makeStep('e1', 'ready', { runAt: T0 + 2000 }),
      makeStep('e1', 'timer', { status: 'waiting', runAt: T0 + 1500 }),
      makeStep('e1', 'event', { status: 'waiting', runAt: undefined }),
      makeStep('e1', 'done', { status: 'succeeded', runAt: T0 - 500 }),
    ]);
    expect(await store.nextDueAt()).toBe(T0 + 1500);
    await store.claimSteps({ owner: 'w1', now: T0 + 1500, leaseMs: LEASE, limit: 10 });
    expect(await store.nextDueAt()).toBe(T0 + 2000);
  });
}
