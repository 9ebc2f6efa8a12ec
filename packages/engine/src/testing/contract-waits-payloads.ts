import { expect } from 'vitest';
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
  writeSteps,
} from './store-fixtures.js';

/** Waits (event name + correlation key) and large payloads, both written by `commit`. */
export function waitAndPayloadCases({ it }: ContractContext): void {
  it('commit: waits are added, found by event and correlation key, and removed by step', async (store) => {
    await seedWorkflow(store);
    const a = makeStep('e1', 'a', { status: 'waiting', runAt: undefined });
    const b = makeStep('e1', 'b', { status: 'waiting', runAt: undefined });
    const c = makeStep('e2', 'c', { status: 'waiting', runAt: undefined });
    await insertExecution(
      store,
      makeExecution('e1'),
      [a, b],
      [makeWait(a, 'order.paid', 'o-1'), makeWait(b, 'order.paid', 'o-2')],
    );
    await insertExecution(store, makeExecution('e2'), [c], [makeWait(c, 'order.paid', 'o-1')]);
    const found = await store.findWaits({ eventName: 'order.paid', correlationKey: 'o-1' });
    expect(found.map((w) => `${w.executionId}/${w.stepKey}`).sort()).toEqual(['e1/a', 'e2/c']);
    expect(found.find((w) => w.executionId === 'e1')).toEqual(makeWait(a, 'order.paid', 'o-1'));
    expect(await store.findWaits({ eventName: 'order.shipped', correlationKey: 'o-1' })).toEqual(
      [],
    );
    await commitOne(store, {
      expectSeq: 1,
      execution: makeExecution('e1'),
      steps: [{ step: { ...a, status: 'succeeded' } }],
      removeWaits: [{ executionId: 'e1', key: 'a' }],
    });
    expect(
      (await store.findWaits({ eventName: 'order.paid', correlationKey: 'o-1' })).map(
        (w) => w.executionId,
      ),
    ).toEqual(['e2']);
    expect(await store.findWaits({ eventName: 'order.paid', correlationKey: 'o-2' })).toHaveLength(
      1,
    );
  });

  it('commit: large payloads round-trip unchanged', async (store) => {
    await seedWorkflow(store);
    const big = {
      rows: Array.from({ length: 8000 }, (_, i) => ({ i, name: `row ${i} é ✓`, tags: ['a', 'b'] })),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(300 * 1024);
    const execution = makeExecution('e1', { input: big, output: big });
    const step = makeStep('e1', 'a', { input: big, output: big, state: big });
    await insertExecution(store, execution, [step]);
    expect(await store.loadExecution('e1')).toEqual({
      execution: { ...execution, seq: 1 },
      steps: [step],
    });
    const small = makeStep('e1', 'a', { input: 1, output: 'x', state: big });
    await writeSteps(store, 'e1', [small]);
    expect(await storedStep(store, 'e1', 'a')).toEqual(small);
    const [claimed] = await store.claimSteps({ owner: 'w1', now: T0, leaseMs: 100, limit: 1 });
    expect(claimed?.step.state).toEqual(big);
  });
}
