import type { JsonValue } from '@flowstate/core';
import { defineNode } from '@flowstate/sdk';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** A call to an outside system that honours simulation; counts the calls really made. */
let sent: string[] = [];
const send = defineNode({
  type: 'test.send',
  name: 'Send',
  group: 'action',
  description: 'sends its input somewhere, or says what it would send',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  run(ctx): JsonValue {
    const request = { to: 'outside', body: ctx.input };
    if (ctx.simulate) return { simulated: true, request };
    sent.push(ctx.execution.id);
    return { sent: true };
  },
});

let t: TestEngine;
beforeEach(async () => {
  sent = [];
  t = await makeEngine({ extraNodes: [send] });
});
afterEach(async () => {
  await t.close();
});

const outputOf = async (executionId: string, key: string) =>
  (await t.store.loadExecution(executionId))!.steps.find((s) => s.key === key)?.output;

describe('simulation', () => {
  test('a simulated run records what it would send, and so does its sub-workflow; a normal run sends', async () => {
    const child = await t.deploy(
      workflow(
        [
          { id: 'in', type: 'trigger.manual' },
          { id: 'notify', type: 'test.send' },
        ],
        ['in->notify'],
      ),
    );
    const parent = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'charge', type: 'test.send' },
          { id: 'call', type: 'flow.call', params: { workflowId: child, input: '{{ $input }}' } },
        ],
        ['start->charge', 'charge->call'],
      ),
    );

    const simulated = await t.engine.startExecution({
      workflowId: parent,
      input: { order: 1 },
      simulate: true,
    });
    const ended = await waitForEnd(t.engine, simulated.executionId);
    expect(ended.status).toBe('succeeded');
    expect(ended.simulate).toBe(true);
    expect(sent).toEqual([]);
    expect(await outputOf(ended.id, 'charge')).toEqual({
      simulated: true,
      request: { to: 'outside', body: { order: 1 } },
    });
    const [sub] = await t.store.listChildExecutions(ended.id);
    expect(sub?.simulate).toBe(true);
    expect(await outputOf(sub!.id, 'notify')).toMatchObject({ simulated: true });

    const real = await t.engine.startExecution({ workflowId: parent, input: { order: 2 } });
    const done = await waitForEnd(t.engine, real.executionId);
    expect(done.simulate).toBeUndefined();
    expect(await outputOf(done.id, 'charge')).toEqual({ sent: true });
    expect(sent).toHaveLength(2);
  });

  test('the error workflow of a failed simulation simulates too', async () => {
    const alert = await t.deploy(
      workflow(
        [
          { id: 'in', type: 'trigger.manual' },
          { id: 'page', type: 'test.send' },
        ],
        ['in->page'],
      ),
    );
    const failing = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'boom',
            type: 'transform.jsonata',
            params: { expression: '$error("boom")' },
            retry: { maxAttempts: 1 },
          },
        ],
        ['start->boom'],
        { settings: { errorWorkflowId: alert } },
      ),
    );
    const handle = await t.engine.startExecution({
      workflowId: failing,
      input: {},
      simulate: true,
    });
    expect((await waitForEnd(t.engine, handle.executionId)).status).toBe('failed');
    const alerted = async () =>
      (await t.store.listExecutions({ limit: 10, workflowId: alert })).find(
        (e) => e.status === 'succeeded',
      );
    await expect.poll(alerted).toBeDefined();
    expect((await alerted())?.simulate).toBe(true);
    expect(await outputOf((await alerted())!.id, 'page')).toMatchObject({ simulated: true });
    expect(sent).toEqual([]);
  });

  test('a simulated execution resumed after a restart still simulates, and its re-run too', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'later', type: 'wait.delay', params: { durationMs: 300 } },
          { id: 'charge', type: 'test.send' },
        ],
        ['start->later', 'later->charge'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: {}, simulate: true });
    // The process stops while the execution sleeps; the next one finds it on disk.
    await t.restart();
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended.status).toBe('succeeded');
    expect(await outputOf(ended.id, 'charge')).toMatchObject({ simulated: true });

    const again = await t.engine.rerun(ended.id);
    const rerun = await waitForEnd(t.engine, again.executionId);
    expect(rerun).toMatchObject({ status: 'succeeded', simulate: true, rerunOf: ended.id });
    expect(await outputOf(rerun.id, 'charge')).toMatchObject({ simulated: true });
    expect(sent).toEqual([]);
  });
});
