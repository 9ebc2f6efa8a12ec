import { afterEach, describe, expect, test } from 'vitest';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** A manual start, then a wait for event "paid" with the input's order as key, then a transform. */
const awaitingPayment = (timeoutMs: number) =>
  workflow(
    [
      { id: 'start', type: 'trigger.manual' },
      {
        id: 'paid',
        type: 'wait.event',
        params: { event: 'paid', correlationKey: '{{ $input.order }}' },
      },
      { id: 'ship', type: 'transform.set', params: { fields: { shipped: true } } },
    ],
    ['start->paid', 'paid:received->ship'],
    { settings: { timeoutMs } },
  );

let t: TestEngine;
afterEach(async () => {
  await t.close();
});

const stepOf = async (executionId: string, key: string) =>
  (await t.store.loadExecution(executionId))!.steps.find((s) => s.key === key);

describe('settings.timeoutMs', () => {
  test('an execution still waiting at its deadline fails with EXECUTION_TIMEOUT; a retry has the whole timeout again', async () => {
    t = await makeEngine();
    const id = await t.deploy(awaitingPayment(300));
    const started = Date.now();
    const handle = await t.engine.startExecution({ workflowId: id, input: { order: 'o-1' } });
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({
      code: 'EXECUTION_TIMEOUT',
      message: 'The execution did not end within its timeout of 300 ms (settings.timeoutMs)',
    });
    expect(ended.finishedAt! - started).toBeGreaterThanOrEqual(300);
    expect(await stepOf(ended.id, 'paid')).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED_BY_FAILURE' },
    });

    const retried = await t.engine.retry(ended.id);
    expect(retried.deadlineAt).toBeGreaterThan(ended.finishedAt!);
    await expect.poll(async () => (await stepOf(ended.id, 'paid'))?.status).toBe('waiting');
    await t.engine.deliverEvent({ name: 'paid', correlationKey: 'o-1', payload: {} });
    const done = await waitForEnd(t.engine, ended.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ shipped: true });
  });

  test('an execution that ends in time is not touched', async () => {
    t = await makeEngine();
    const id = await t.deploy(awaitingPayment(2_000));
    const handle = await t.engine.startExecution({ workflowId: id, input: { order: 'o-2' } });
    await expect
      .poll(async () => (await stepOf(handle.executionId, 'paid'))?.status)
      .toBe('waiting');
    await t.engine.deliverEvent({ name: 'paid', correlationKey: 'o-2', payload: {} });
    expect((await waitForEnd(t.engine, handle.executionId)).status).toBe('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await t.store.getExecution(handle.executionId))?.status).toBe('succeeded');
  });

  test('a long deadline is kept on disk: after a restart the sweeper times the execution out', async () => {
    let offset = 0;
    t = await makeEngine({ clock: { now: () => Date.now() + offset } });
    const id = await t.deploy(awaitingPayment(3_600_000));
    const handle = await t.engine.startExecution({ workflowId: id, input: { order: 'o-3' } });
    const { deadlineAt, createdAt } = (await t.store.getExecution(handle.executionId))!;
    expect(deadlineAt! - createdAt).toBe(3_600_000);
    await t.restart();
    await t.engine.workers.sweep();
    expect((await t.store.getExecution(handle.executionId))?.status).toBe('running');

    offset = 3_600_000;
    await t.engine.workers.sweep();
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended.status).toBe('failed');
    expect(ended.error?.code).toBe('EXECUTION_TIMEOUT');
    expect((await t.store.findStuck({ limit: 10, now: Date.now() + offset })).overdue).toEqual([]);
  });
});
