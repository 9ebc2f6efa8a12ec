import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

const orderSchema = {
  type: 'object',
  properties: { order: { type: 'string' }, amount: { type: 'number', minimum: 1 } },
  required: ['order'],
};

let t: TestEngine;
beforeEach(async () => {
  t = await makeEngine();
});
afterEach(async () => {
  await t.close();
});

/** A workflow taking `{ order, amount }`, started by hand or by a webhook. */
const charge = () =>
  t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'hook', type: 'trigger.webhook', params: { path: 'charge' } },
        { id: 'echo', type: 'transform.set', params: { fields: { order: '{{ $input.order }}' } } },
      ],
      ['start->echo'],
      { name: 'Charge', inputSchema: orderSchema },
    ),
  );

describe('inputSchema', () => {
  test('a manual run with a bad input is refused before anything is stored; a good one runs', async () => {
    const id = await charge();
    await expect(
      t.engine.startExecution({ workflowId: id, input: { amount: 0 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: expect.arrayContaining([
        { path: '/order', message: 'Invalid input: expected string, received undefined' },
        { path: '/amount', message: 'Too small: expected number to be >=1' },
      ]),
    });
    expect(await t.store.listExecutions({ limit: 10 })).toEqual([]);
    const ran = await t.run(id, { order: 'o-1', amount: 5 });
    expect(ran).toMatchObject({ status: 'succeeded', output: { order: 'o-1' } });
    // Another trigger's input (a webhook request) is not what the schema describes.
    const hooked = await t.engine.startExecution({
      workflowId: id,
      triggerNodeId: 'hook',
      input: { body: {}, headers: {}, query: {} },
    });
    expect((await waitForEnd(t.engine, hooked.executionId)).status).toBe('succeeded');
  });

  test('a sub-workflow call with a bad input fails the calling step with INVALID_INPUT', async () => {
    const child = await charge();
    const parent = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'call',
            type: 'flow.call',
            params: { workflowId: child, input: { order: 42 } },
          },
        ],
        ['start->call'],
      ),
    );
    const ended = await t.run(parent, {});
    expect(ended.status).toBe('failed');
    const call = (await t.store.loadExecution(ended.id))!.steps.find((s) => s.key === 'call');
    expect(call?.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('/order Invalid input: expected string, received number'),
    });
    expect(await t.store.listChildExecutions(ended.id)).toEqual([]);
  });
});
