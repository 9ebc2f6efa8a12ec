import { defineNode } from '@flowstate/sdk';
import { FlowstateError, NonRetriableError, RetryAfterError } from '@flowstate/core';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** Fails the first `failTimes` attempts of each execution, then returns the attempt number. */
const calls = new Map<string, number>();
const flaky = defineNode({
  type: 'test.flaky',
  name: 'Flaky',
  group: 'action',
  description: 'fails a number of times',
  params: z.object({
    failTimes: z.number(),
    kind: z.enum(['retriable', 'fatal', 'retry-after']).default('retriable'),
  }),
  ports: ['out'],
  sideEffects: true,
  run(ctx) {
    const n = (calls.get(ctx.idempotencyKey) ?? 0) + 1;
    calls.set(ctx.idempotencyKey, n);
    if (n <= ctx.params.failTimes) {
      if (ctx.params.kind === 'fatal') throw new NonRetriableError('bad request');
      if (ctx.params.kind === 'retry-after') throw new RetryAfterError('slow down', 150);
      throw new FlowstateError('FLAKY', `failure ${n}`);
    }
    return { attempt: ctx.attempt, key: ctx.idempotencyKey };
  },
});
const slow = defineNode({
  type: 'test.slow',
  name: 'Slow',
  group: 'action',
  description: 'waits for its signal',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  run: (ctx) =>
    new Promise((_, reject) =>
      ctx.signal.addEventListener('abort', () =>
        reject(new Error(`aborted: ${String(ctx.signal.reason)}`)),
      ),
    ),
});

/** A plugin's wait, as its params shape it (`until` as an offset from now). */
const customWait = defineNode({
  type: 'test.custom-wait',
  name: 'Custom wait',
  group: 'control',
  description: 'suspends as told',
  params: z.object({ inMs: z.number().optional(), withTimeoutPort: z.boolean() }),
  ports: ['out'],
  sideEffects: false,
  run(ctx) {
    const { inMs, withTimeoutPort } = ctx.params;
    return ctx.suspend({
      ...(inMs === undefined ? {} : { until: ctx.now().getTime() + inMs }),
      ...(withTimeoutPort ? { onTimeout: { port: 'out', value: 'time' } } : {}),
    });
  },
});

let t: TestEngine;
afterEach(async () => {
  await t.close();
});

const retry = {
  maxAttempts: 3,
  backoff: 'exponential' as const,
  delayMs: 20,
  maxDelayMs: 1000,
  jitter: false,
};

describe('retries and onError', () => {
  test('a retriable failure is retried with backoff and then succeeds with the same idempotency key', async () => {
    t = await makeEngine({ extraNodes: [flaky] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'f', type: 'test.flaky', params: { failTimes: 2 }, retry },
        ],
        ['start->f'],
      ),
    );
    const execution = await t.run(id);
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toEqual({ attempt: 3, key: `${execution.id}:f` });
  });

  test('Retry-After is honoured', async () => {
    t = await makeEngine({ extraNodes: [flaky] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'f', type: 'test.flaky', params: { failTimes: 1, kind: 'retry-after' }, retry },
        ],
        ['start->f'],
      ),
    );
    const execution = await t.run(id);
    const step = (await t.engine.getExecutionDetail(execution.id))!.steps.find(
      (s) => s.key === 'f',
    )!;
    expect(execution.status).toBe('succeeded');
    expect(step.finishedAt! - execution.createdAt).toBeGreaterThanOrEqual(150);
  });

  test('attempts run out: fail fails the execution, continue passes { error }, route uses the error port', async () => {
    t = await makeEngine({ extraNodes: [flaky] });
    const failing = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'f', type: 'test.flaky', params: { failTimes: 9 }, retry },
        ],
        ['start->f'],
      ),
    );
    const failed = await t.run(failing);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'FLAKY', message: 'Node "f" failed: failure 3' });

    const continuing = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'f',
            type: 'test.flaky',
            params: { failTimes: 9, kind: 'fatal' },
            onError: 'continue',
          },
        ],
        ['start->f'],
      ),
    );
    expect((await t.run(continuing)).output).toEqual({
      error: { code: 'NON_RETRIABLE', message: 'bad request', name: 'NonRetriableError' },
    });

    const routing = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'f',
            type: 'test.flaky',
            params: { failTimes: 9, kind: 'fatal' },
            onError: 'route',
          },
          { id: 'ok', type: 'transform.set', params: { fields: { path: 'ok' } } },
          {
            id: 'handler',
            type: 'transform.set',
            params: { fields: { handled: '{{ $input.error.message }}' }, keepInput: false },
          },
        ],
        ['start->f', 'f->ok', 'f:error->handler'],
      ),
    );
    const routed = await t.run(routing, { v: 1 });
    expect(routed.output).toEqual({ handled: 'bad request' });
    const steps = (await t.engine.getExecutionDetail(routed.id))!.steps;
    expect(steps.find((s) => s.key === 'ok')!.status).toBe('skipped');
    expect(steps.find((s) => s.key === 'f')!.output).toMatchObject({ input: { v: 1 } });
  });

  test('an attempt that runs past its timeout is aborted through its AbortSignal', async () => {
    t = await makeEngine({ extraNodes: [slow] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 's', type: 'test.slow', timeoutMs: 100 },
        ],
        ['start->s'],
      ),
    );
    const execution = await t.run(id);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'STEP_TIMEOUT' });
  });

  test('a broken expression fails the step naming node, parameter and position', async () => {
    t = await makeEngine();
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'calc',
            name: 'Compute',
            type: 'transform.set',
            params: { fields: { total: '{{ $input.a + }}' } },
          },
        ],
        ['start->calc'],
      ),
    );
    const execution = await t.run(id, { a: 1 });
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toContain('Compute');
    expect(execution.error?.message).toContain('/params/fields/total');
  });

  test('a runaway expression fails its step and the engine stays responsive', async () => {
    t = await makeEngine({ expressionTimeoutMs: 200 });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'loop',
            type: 'transform.jsonata',
            params: { expression: '($f := function($n){ $f($n + 1) }; $f(0))' },
          },
        ],
        ['start->loop'],
      ),
    );
    const execution = await t.run(id);
    expect(execution.status).toBe('failed');
    expect(execution.error?.code).toMatch(/EXPRESSION/);
  });
});

describe('waits', () => {
  test.each([
    [{ withTimeoutPort: true }, 'A wait needs a time, an event or both'],
    [
      { inMs: 10, withTimeoutPort: false },
      'A wait with a time needs onTimeout: the port and value it ends with',
    ],
  ])('a wait that could never end fails its step: %j', async (params, message) => {
    t = await makeEngine({ extraNodes: [customWait] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'park', type: 'test.custom-wait', params },
        ],
        ['start->park'],
      ),
    );
    const execution = await t.run(id, {});
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toContain(message);
  });

  test('a plugin wait with a time and onTimeout ends through that port', async () => {
    t = await makeEngine({ extraNodes: [customWait] });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'park', type: 'test.custom-wait', params: { inMs: 50, withTimeoutPort: true } },
        ],
        ['start->park'],
      ),
    );
    expect(await t.run(id, {})).toMatchObject({ status: 'succeeded', output: 'time' });
  });

  test('wait.delay parks the step as a row and resumes when due', async () => {
    t = await makeEngine();
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 300 } },
          { id: 'after', type: 'transform.set', params: { fields: { woke: true } } },
        ],
        ['start->nap', 'nap->after'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: { v: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = await t.engine.getExecutionDetail(handle.executionId);
    expect(during!.steps.find((s) => s.key === 'nap')!.status).toBe('waiting');
    expect(t.engine.runs.has(handle.executionId)).toBe(false);
    const execution = await waitForEnd(t.engine, handle.executionId);
    expect(execution.output).toEqual({ v: 1, woke: true });
    const nap = (await t.engine.getExecutionDetail(execution.id))!.steps.find(
      (s) => s.key === 'nap',
    )!;
    expect(nap.finishedAt! - execution.createdAt).toBeGreaterThanOrEqual(300);
  });

  test('awaitOutcome gives up after its timeout and answers at once for a finished execution', async () => {
    t = await makeEngine();
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 300 } },
        ],
        ['start->nap'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: { v: 2 } });
    expect(await t.engine.awaitOutcome(handle.executionId, 50)).toBeUndefined();
    const outcome = await t.engine.awaitOutcome(handle.executionId, 5000);
    expect(outcome).toMatchObject({
      kind: 'finished',
      execution: { status: 'succeeded', output: { v: 2 } },
    });
    expect(await t.engine.awaitOutcome(handle.executionId, 1)).toMatchObject({ kind: 'finished' });
    await expect(t.engine.awaitOutcome('nope', 10)).rejects.toMatchObject({
      code: 'EXECUTION_NOT_FOUND',
    });
  });

  test('a delay survives a restart of the engine', async () => {
    t = await makeEngine();
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 400 } },
          { id: 'after', type: 'transform.set', params: { fields: { woke: true } } },
        ],
        ['start->nap', 'nap->after'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    const engine = await t.restart();
    const execution = await waitForEnd(engine, handle.executionId);
    expect(execution.output).toEqual({ woke: true });
  });

  test('wait.event resumes on a matching event and times out otherwise', async () => {
    t = await makeEngine();
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'await',
            type: 'wait.event',
            params: { event: 'order.paid', correlationKey: '{{ $input.orderId }}', timeoutMs: 500 },
          },
          { id: 'paid', type: 'transform.set', params: { fields: { outcome: 'paid' } } },
          { id: 'late', type: 'transform.set', params: { fields: { outcome: 'timeout' } } },
        ],
        ['start->await', 'await:received->paid', 'await:timeout->late'],
      ),
    );
    const first = await t.engine.startExecution({ workflowId: id, input: { orderId: 'A1' } });
    const second = await t.engine.startExecution({ workflowId: id, input: { orderId: 'B2' } });
    const { resumed } = await t.engine.deliverEvent({
      name: 'order.paid',
      correlationKey: 'A1',
      payload: { amount: 5 },
    });
    expect(resumed).toEqual([first.executionId]);
    expect((await waitForEnd(t.engine, first.executionId)).output).toEqual({
      amount: 5,
      outcome: 'paid',
    });
    expect((await waitForEnd(t.engine, second.executionId)).output).toEqual({
      orderId: 'B2',
      outcome: 'timeout',
    });
    const again = await t.engine.deliverEvent({
      name: 'order.paid',
      correlationKey: 'A1',
      payload: {},
    });
    expect(again.resumed).toEqual([]);
  });
});
