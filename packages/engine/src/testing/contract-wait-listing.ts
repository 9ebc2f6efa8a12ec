import { expect } from 'vitest';
import type { ContractContext } from './store-contract.js';
import {
  insertExecution,
  makeExecution,
  makeStep,
  makeWait,
  seedWorkflow,
  setExecutionStatus,
  T0,
} from './store-fixtures.js';

/** Listing open waits of one kind and looking one up (`WaitStore`). */
export function waitListingCases({ it }: ContractContext): void {
  it('waits: listed by event name, oldest first, with info, live executions only, paged', async (store) => {
    await seedWorkflow(store);
    const waiting = (id: string, key: string) =>
      makeStep(id, key, { status: 'waiting', runAt: undefined });
    for (const [index, id] of ['e1', 'e2', 'e3', 'e4'].entries()) {
      const step = waiting(id, 'ok');
      await insertExecution(
        store,
        makeExecution(id),
        [step],
        [{ ...makeWait(step, 'approval', `${id}:ok`), createdAt: T0 + index, info: { n: index } }],
      );
    }
    const other = waiting('e5', 'ev');
    await insertExecution(
      store,
      makeExecution('e5'),
      [other],
      [makeWait(other, 'order.paid', 'x')],
    );
    await setExecutionStatus(store, 'e2', 'failed', T0);
    await setExecutionStatus(store, 'e3', 'paused');

    const all = await store.listWaits({ eventName: 'approval', limit: 10 });
    expect(all.map((w) => w.executionId)).toEqual(['e1', 'e3', 'e4']);
    expect(all[0]).toEqual({
      executionId: 'e1',
      stepKey: 'ok',
      eventName: 'approval',
      correlationKey: 'e1:ok',
      createdAt: T0,
      info: { n: 0 },
    });
    const [first] = await store.listWaits({ eventName: 'approval', limit: 1 });
    const rest = await store.listWaits({
      eventName: 'approval',
      limit: 10,
      after: {
        createdAt: first!.createdAt,
        executionId: first!.executionId,
        stepKey: first!.stepKey,
      },
    });
    expect(rest.map((w) => w.executionId)).toEqual(['e3', 'e4']);

    expect(await store.getWait({ executionId: 'e4', stepKey: 'ok' })).toMatchObject({
      info: { n: 3 },
    });
    expect(await store.getWait({ executionId: 'e5', stepKey: 'ev' })).not.toHaveProperty('info');
    expect(await store.getWait({ executionId: 'e4', stepKey: 'nope' })).toBeUndefined();
  });
}
