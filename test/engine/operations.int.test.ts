import { defineNode } from '@flowstate/sdk';
import { FlowstateError } from '@flowstate/core';
import { Engine } from '@flowstate/engine';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** Succeeds only when the switch is on: lets a test fail an execution and then fix the cause. */
const gate = { open: false };
const gated = defineNode({
  type: 'test.gated',
  name: 'Gated',
  group: 'action',
  description: 'fails while the gate is closed',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  run(ctx) {
    if (!gate.open) throw new FlowstateError('GATE_CLOSED', 'gate closed');
    return { passed: ctx.input };
  },
});
let ran = 0;
const counter = defineNode({
  type: 'test.count',
  name: 'Count',
  group: 'action',
  description: 'counts its runs',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  run: (ctx) => ({ run: ++ran, input: ctx.input }),
});

let t: TestEngine;
afterEach(async () => {
  await t.close();
});

const delayed = workflow(
  [
    { id: 'start', type: 'trigger.manual' },
    { id: 'nap', type: 'wait.delay', params: { durationMs: 300 } },
    { id: 'after', type: 'transform.set', params: { fields: { woke: true } } },
  ],
  ['start->nap', 'nap->after'],
);

describe('operator actions', () => {
  test('cancel stops a waiting execution and cancels its live steps', async () => {
    t = await makeEngine();
    const id = await t.deploy(delayed);
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    const cancelled = await t.engine.cancel(handle.executionId);
    expect(cancelled.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 450));
    const detail = await t.engine.getExecutionDetail(handle.executionId);
    expect(detail!.execution.status).toBe('cancelled');
    expect(detail!.steps.map((s) => [s.key, s.status])).toEqual(
      expect.arrayContaining([['nap', 'cancelled']]),
    );
    expect(detail!.steps.find((s) => s.key === 'after')).toBeUndefined();
    await expect(t.engine.cancel(handle.executionId)).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });

  test('pause holds ready steps; resume runs them', async () => {
    t = await makeEngine();
    const id = await t.deploy(delayed);
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    await t.engine.pause(handle.executionId);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await t.store.getExecution(handle.executionId))!.status).toBe('paused');
    await t.engine.resume(handle.executionId);
    const execution = await waitForEnd(t.engine, handle.executionId);
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toEqual({ woke: true });
  });

  test('rerun starts a new execution with the same version and input', async () => {
    t = await makeEngine({ extraNodes: [counter] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'c', type: 'test.count' },
        ],
        ['start->c'],
      ),
    );
    const first = await t.run(id, { x: 1 });
    const handle = await t.engine.rerun(first.id);
    const second = await waitForEnd(t.engine, handle.executionId);
    expect(second.rerunOf).toBe(first.id);
    expect(second.input).toEqual({ x: 1 });
    expect((second.output as { input: unknown }).input).toEqual({ x: 1 });
  });

  test('retry from the failed step keeps completed outputs and does not re-run them', async () => {
    t = await makeEngine({ extraNodes: [gated, counter] });
    gate.open = false;
    ran = 0;
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'once', type: 'test.count' },
          { id: 'g', type: 'test.gated' },
          { id: 'side', type: 'wait.delay', params: { durationMs: 200 } },
          { id: 'join', type: 'flow.merge', params: { mode: 'object' } },
        ],
        ['start->once', 'once->g', 'start->side', 'g->join', 'side->join'],
      ),
    );
    const failed = await t.run(id, { v: 1 });
    expect(failed.status).toBe('failed');
    expect(ran).toBe(1);
    gate.open = true;
    await t.engine.retry(failed.id);
    const retried = await waitForEnd(t.engine, failed.id);
    expect(retried.status).toBe('succeeded');
    expect(ran).toBe(1);
    expect(retried.output).toEqual({ g: { passed: { run: 1, input: { v: 1 } } }, side: { v: 1 } });
  });
});

describe('journal', () => {
  test('an execution finished in its first commit is stored compactly and can still be retried', async () => {
    t = await makeEngine();
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'ok', type: 'transform.set', params: { fields: { a: 1 } } },
          { id: 'bad', type: 'transform.jsonata', params: { expression: '$error("nope")' } },
        ],
        ['start->ok', 'ok->bad'],
      ),
    );
    const failed = await t.run(id, { v: 1 });
    expect(failed.status).toBe('failed');
    expect(await t.store.countSteps({ executionId: failed.id })).toMatchObject({
      succeeded: 2,
      failed: 1,
    });
    const before = (await t.engine.getExecutionDetail(failed.id))!.steps;
    expect(before.map((s) => [s.key, s.status])).toEqual([
      ['start', 'succeeded'],
      ['ok', 'succeeded'],
      ['bad', 'failed'],
    ]);
    await t.engine.retry(failed.id);
    const again = await waitForEnd(t.engine, failed.id);
    expect(again.status).toBe('failed');
    const after = (await t.engine.getExecutionDetail(failed.id))!.steps;
    expect(after.find((s) => s.key === 'ok')!.output).toEqual({ v: 1, a: 1 });
    expect(after.find((s) => s.key === 'bad')!.attempt).toBe(1);
    expect(await t.store.countSteps({ executionId: failed.id })).toMatchObject({
      succeeded: 2,
      failed: 1,
    });
  });

  test('payloads above the blob threshold are stored out of line and read back unchanged', async () => {
    t = await makeEngine({ blobThresholdBytes: 1024 });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'big',
            type: 'transform.jsonata',
            params: { expression: '$input.text & $input.text' },
          },
        ],
        ['start->big'],
      ),
    );
    const text = 'x'.repeat(5000);
    const execution = await t.run(id, { text });
    expect(execution.output).toBe(text + text);
    expect(await t.store.countBlobs()).toBeGreaterThan(0);
    const detail = await t.engine.getExecutionDetail(execution.id);
    expect(detail!.steps.find((s) => s.key === 'big')!.output).toBe(text + text);
  });

  test('a step whose worker died is run again by another worker; after the limit it fails as WORKER_LOST', async () => {
    t = await makeEngine({ extraNodes: [counter], leaseMs: 200 });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'c', type: 'test.count' },
        ],
        ['start->c'],
      ),
    );
    // A "dead" worker claimed the step and never finished: simulate with a second engine that claims and stops.
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    await waitForEnd(t.engine, handle.executionId);
    const detail = await t.engine.getExecutionDetail(handle.executionId);
    const step = detail!.steps.find((s) => s.key === 'c')!;
    const now = Date.now();
    // Put the step back as running under a dead owner with an attempt count past the loss limit.
    await t.store.commit([
      {
        expectSeq: detail!.execution.seq,
        execution: {
          ...detail!.execution,
          status: 'running',
          output: undefined,
          finishedAt: undefined,
        },
        steps: [
          {
            step: {
              ...step,
              status: 'running',
              attempt: 3,
              leaseOwner: 'dead',
              leaseExpiresAt: now - 1,
              output: undefined,
            },
          },
        ],
      },
    ]);
    t.engine.workers.kick();
    const failed = await waitForEnd(t.engine, handle.executionId);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('WORKER_LOST');
  });

  test('a late result from a worker whose lease was taken over is refused (fencing)', async () => {
    t = await makeEngine({ extraNodes: [counter] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 50 } },
        ],
        ['start->nap'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    await waitForEnd(t.engine, handle.executionId);
    const loaded = (await t.store.loadExecution(handle.executionId))!;
    const step = loaded.steps.find((s) => s.key === 'nap')!;
    const stale = { ...step, status: 'running' as const, leaseOwner: 'old-worker' };
    const outcome = await t.store.commit([
      {
        expectSeq: loaded.execution.seq,
        execution: loaded.execution,
        steps: [{ step: stale, expectLeaseOwner: 'old-worker' }],
      },
    ]);
    expect(outcome[0]!.status).toBe('fenced');
    expect(Engine).toBeDefined();
  });
});
