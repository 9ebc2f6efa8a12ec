import { defineNode, NonRetriableError } from '@flowstate/sdk';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** Fails the first time it runs after `failOnce` is set, then succeeds. */
let failOnce = false;
const flaky = defineNode({
  type: 'test.fail-once',
  name: 'Fail once',
  group: 'action',
  description: 'fails once, then succeeds',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  async run() {
    if (failOnce) {
      failOnce = false;
      throw new NonRetriableError('failing this once', { code: 'FAIL_ONCE' });
    }
    return { flaky: 'ok' };
  },
});

/** Holds its attempt until the test opens the gate; `entered` resolves when one waits. */
let gate = makeGate();
function makeGate() {
  let open = () => {};
  let entered = () => {};
  return {
    opened: new Promise<void>((resolve) => (open = resolve)),
    entered: new Promise<void>((resolve) => (entered = resolve)),
    open: () => open(),
    enter: () => entered(),
  };
}
const held = defineNode({
  type: 'test.held',
  name: 'Held',
  group: 'action',
  description: 'waits until the test opens the gate',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  async run() {
    gate.enter();
    await gate.opened;
    return { held: true };
  },
});

let t: TestEngine;
beforeEach(async () => {
  failOnce = false;
  gate = makeGate();
  t = await makeEngine({ extraNodes: [flaky, held] });
});
afterEach(async () => {
  await t.close();
});

describe('flow.loop', () => {
  test('runs its body per item with per-iteration journal keys and outputs the results', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'each',
            type: 'flow.loop',
            params: { items: '{{ $input.numbers }}', concurrency: 2 },
          },
          {
            id: 'double',
            type: 'transform.set',
            parentId: 'each',
            params: { fields: { n: '{{ $item * 2 }}', i: '{{ $index }}' }, keepInput: false },
          },
          { id: 'after', type: 'transform.jsonata', params: { expression: '$sum($input.n)' } },
        ],
        ['start->each', 'each:done->after'],
      ),
    );
    const execution = await t.run(id, { numbers: [1, 2, 3, 4, 5] });
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toBe(30);
    const detail = await t.engine.getExecutionDetail(execution.id);
    const keys = detail!.steps.map((s) => s.key).sort();
    expect(keys).toEqual([
      'after',
      'each',
      'each[0]/double',
      'each[1]/double',
      'each[2]/double',
      'each[3]/double',
      'each[4]/double',
      'start',
    ]);
    const each = detail!.steps.find((s) => s.key === 'each')!;
    expect(each.output).toEqual([0, 1, 2, 3, 4].map((i) => ({ n: (i + 1) * 2, i })));
  });

  test('nested loops and a body with a branch', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'rows', type: 'flow.loop', params: { items: '{{ $input.matrix }}' } },
          {
            id: 'cells',
            type: 'flow.loop',
            parentId: 'rows',
            params: { items: '{{ $item }}', concurrency: 3 },
          },
          {
            id: 'even',
            type: 'flow.if',
            parentId: 'cells',
            params: { condition: '{{ $item % 2 = 0 }}' },
          },
          {
            id: 'yes',
            type: 'transform.jsonata',
            parentId: 'cells',
            params: { expression: '"even"' },
          },
          {
            id: 'no',
            type: 'transform.jsonata',
            parentId: 'cells',
            params: { expression: '"odd"' },
          },
          { id: 'pick', type: 'flow.merge', parentId: 'cells', params: { mode: 'first' } },
        ],
        ['start->rows', 'even:true->yes', 'even:false->no', 'yes->pick', 'no->pick'],
      ),
    );
    const execution = await t.run(id, { matrix: [[1, 2], [3], []] });
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toEqual([['odd', 'even'], ['odd'], []]);
  });

  test('items that are not an array fail the step with a clear error', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'each', type: 'flow.loop', params: { items: '{{ $input.nope }}' } },
          { id: 'body', type: 'transform.set', parentId: 'each', params: { fields: {} } },
        ],
        ['start->each'],
      ),
    );
    const execution = await t.run(id, {});
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toMatch(/each/);
  });

  test('a loop step has no due time: no worker claims it as a timer while its body runs', async () => {
    // A loop step claimed as a timer had its state replaced by its row, which lags memory:
    // an iteration's completion was lost and the execution waited forever.
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'each', type: 'flow.loop', params: { items: '{{ [1, 2] }}' } },
          { id: 'body', type: 'test.held', parentId: 'each' },
        ],
        ['start->each'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    await gate.entered;
    const loop = (await t.store.loadExecution(handle.executionId))!.steps.find(
      (step) => step.key === 'each',
    );
    expect(loop).toMatchObject({ status: 'waiting' });
    expect(loop?.runAt).toBeUndefined();
    // Later, while the body step's lease is still live: nothing of this execution is due.
    const claimed = await t.store.claimSteps({
      owner: 'another-worker',
      now: Date.now() + 500,
      leaseMs: 1000,
      limit: 10,
    });
    expect(claimed.map((claim) => claim.step.key)).toEqual([]);
    gate.open();
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended).toMatchObject({ status: 'succeeded', output: [{ held: true }, { held: true }] });
  });
});

/**
 * Starts a parent whose call waits for a child (held until event "go" with key `k`) while its
 * other branch fails once, after 200 ms: the parent fails while the child runs.
 */
async function startFailingParent(k: string, onParentFailure?: 'cancel' | 'continue') {
  const child = await t.deploy(
    workflow(
      [
        { id: 'in', type: 'trigger.manual' },
        {
          id: 'hold',
          type: 'wait.event',
          params: { event: 'go', correlationKey: '{{ $input.k }}' },
        },
        { id: 'done', type: 'transform.set', params: { fields: { child: true } } },
      ],
      ['in->hold', 'hold:received->done'],
    ),
  );
  const parent = await t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'call',
          type: 'flow.call',
          params: {
            workflowId: child,
            input: '{{ $input }}',
            ...(onParentFailure ? { onParentFailure } : {}),
          },
        },
        { id: 'pause', type: 'wait.delay', params: { durationMs: 200 } },
        { id: 'flaky', type: 'test.fail-once' },
        { id: 'join', type: 'flow.merge' },
      ],
      ['start->call', 'start->pause', 'pause->flaky', 'call->join', 'flaky->join'],
    ),
  );
  failOnce = true;
  return t.engine.startExecution({ workflowId: parent, input: { k } });
}

describe('flow.call', () => {
  test('runs a sub-workflow, awaits its result, and links parent and child both ways', async () => {
    const child = await t.deploy(
      workflow(
        [
          { id: 'in', type: 'trigger.manual' },
          {
            id: 'work',
            type: 'transform.set',
            params: { fields: { doubled: '{{ $input.n * 2 }}' }, keepInput: false },
          },
        ],
        ['in->work'],
      ),
      'child-wf',
    );
    const parent = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'call', type: 'flow.call', params: { workflowId: child, input: '{{ $input }}' } },
          {
            id: 'after',
            type: 'transform.set',
            params: { fields: { result: '{{ $input.doubled }}' }, keepInput: false },
          },
        ],
        ['start->call', 'call->after'],
      ),
    );
    const execution = await t.run(parent, { n: 21 });
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toEqual({ result: 42 });
    const detail = await t.engine.getExecutionDetail(execution.id);
    expect(detail!.children).toHaveLength(1);
    const childExecution = detail!.children[0]!;
    expect(childExecution.parentExecutionId).toBe(execution.id);
    expect(childExecution.parentStepKey).toBe('call');
    expect(childExecution.depth).toBe(1);
    const callStep = detail!.steps.find((s) => s.key === 'call')!;
    expect(callStep.state).toBeUndefined();
    expect(callStep.output).toEqual({ doubled: 42 });
  });

  test('a call step taken over after its worker was lost waits for the child already started', async () => {
    const child = await t.deploy(
      workflow(
        [
          { id: 'in', type: 'trigger.manual' },
          { id: 'hold', type: 'wait.event', params: { event: 'go', correlationKey: 'k1' } },
          { id: 'done', type: 'transform.set', params: { fields: { child: true } } },
        ],
        ['in->hold', 'hold:received->done'],
      ),
      'held-child',
    );
    const parent = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'call', type: 'flow.call', params: { workflowId: child } },
        ],
        ['start->call'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: parent, input: { n: 1 } });
    const callStep = async () =>
      (await t.store.loadExecution(handle.executionId))!.steps.find((s) => s.key === 'call')!;
    await expect.poll(async () => (await callStep()).status).toBe('waiting');
    const started = await callStep();
    const [first] = await t.store.listChildExecutions(handle.executionId);
    expect(started.state).toEqual({ kind: 'call', childExecutionId: first!.id });

    // The worker running the step is lost: the row is back to running under an expired lease,
    // as if it had stalled after starting the child, and another engine takes it over.
    await t.engine.stop({ graceMs: 100 });
    const loaded = (await t.store.loadExecution(handle.executionId))!;
    const lost = {
      ...started,
      status: 'running' as const,
      leaseOwner: 'lost-worker',
      leaseExpiresAt: Date.now() - 1,
      runAt: Date.now() - 1,
    };
    expect(
      await t.store.commit([
        { expectSeq: loaded.execution.seq, execution: loaded.execution, steps: [{ step: lost }] },
      ]),
    ).toEqual([{ status: 'ok', seq: loaded.execution.seq + 1 }]);
    await t.restart();
    await expect
      .poll(async () => {
        const step = await callStep();
        return `${step.status} ${step.attempt > started.attempt}`;
      })
      .toBe('waiting true');
    expect((await callStep()).state).toEqual({ kind: 'call', childExecutionId: first!.id });
    expect(await t.store.listChildExecutions(handle.executionId)).toHaveLength(1);

    await t.engine.deliverEvent({ name: 'go', correlationKey: 'k1', payload: {} });
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended.status).toBe('succeeded');
    expect(ended.output).toMatchObject({ child: true });
    expect(await t.store.listChildExecutions(handle.executionId)).toHaveLength(1);
  });

  test('a failure cancels the running child of a call, and a retry calls again', async () => {
    const handle = await startFailingParent('r1');
    // The other branch fails the parent while the call waits: its child is cancelled too.
    expect((await waitForEnd(t.engine, handle.executionId)).status).toBe('failed');
    const [first] = await t.store.listChildExecutions(handle.executionId);
    expect((await waitForEnd(t.engine, first!.id)).status).toBe('cancelled');
    const held = (await t.store.loadExecution(first!.id))!.steps.find((s) => s.key === 'hold');
    expect(held?.status).toBe('cancelled');

    await t.engine.retry(handle.executionId);
    await expect
      .poll(async () => (await t.store.listChildExecutions(handle.executionId)).length)
      .toBe(2);
    const second = (await t.store.listChildExecutions(handle.executionId)).find(
      (c) => c.id !== first!.id,
    )!;
    const call = (await t.store.loadExecution(handle.executionId))!.steps.find(
      (s) => s.key === 'call',
    );
    expect(call?.state).toEqual({ kind: 'call', childExecutionId: second.id });
    await expect
      .poll(
        async () =>
          (await t.store.loadExecution(second.id))?.steps.find((s) => s.key === 'hold')?.status,
      )
      .toBe('waiting');
    await t.engine.deliverEvent({ name: 'go', correlationKey: 'r1', payload: {} });
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended.status).toBe('succeeded');
    expect(JSON.stringify(ended.output)).toContain('"child":true');
  });

  test('a child the failure did not get to cancel (the process stopped first) is cancelled by the sweeper', async () => {
    const handle = await startFailingParent('r4');
    await expect
      .poll(async () => (await t.store.listChildExecutions(handle.executionId)).length)
      .toBe(1);
    const [child] = await t.store.listChildExecutions(handle.executionId);
    // The failure's follow-up cannot read the child, as if the process had stopped after
    // committing the failure and before cancelling it.
    const getExecution = t.store.getExecution.bind(t.store);
    let stopped = true;
    t.store.getExecution = async (id) => {
      if (stopped && id === child!.id) throw new Error('the process stopped');
      return getExecution(id);
    };
    expect((await waitForEnd(t.engine, handle.executionId)).status).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopped = false;
    expect((await t.store.getExecution(child!.id))?.status).toBe('running');

    await t.engine.workers.sweep();
    expect((await t.store.getExecution(child!.id))?.status).toBe('cancelled');
    const held = (await t.store.loadExecution(child!.id))!.steps.find((s) => s.key === 'hold');
    expect(held?.status).toBe('cancelled');
    // Nothing left for the next sweep.
    expect((await t.store.findStuck({ limit: 10, now: Date.now() })).abandonedChildren).toEqual([]);
  });

  test('with onParentFailure "continue" the child runs on, and a retry takes its output', async () => {
    const handle = await startFailingParent('r2', 'continue');
    expect((await waitForEnd(t.engine, handle.executionId)).status).toBe('failed');
    const [first] = await t.store.listChildExecutions(handle.executionId);
    // Later than the parent's failure: still running.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await t.store.getExecution(first!.id))?.status).toBe('running');
    // The sweeper leaves it running too.
    await t.engine.workers.sweep();
    expect((await t.store.getExecution(first!.id))?.status).toBe('running');
    await t.engine.deliverEvent({ name: 'go', correlationKey: 'r2', payload: {} });
    expect((await waitForEnd(t.engine, first!.id)).status).toBe('succeeded');

    await t.engine.retry(handle.executionId);
    const ended = await waitForEnd(t.engine, handle.executionId);
    expect(ended.status).toBe('succeeded');
    expect(JSON.stringify(ended.output)).toContain('"child":true');
    expect(await t.store.listChildExecutions(handle.executionId)).toHaveLength(1);
  });

  test('a workflow that calls itself stops at the depth limit with a clear error', async () => {
    const id = 'recursive';
    await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'again', type: 'flow.call', params: { workflowId: id } },
        ],
        ['start->again'],
      ),
      id,
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    const execution = await waitForEnd(t.engine, handle.executionId);
    expect(execution.status).toBe('failed');
    expect(JSON.stringify(execution.error)).toMatch(/depth/i);
  });

  test('a failing child fails the calling step', async () => {
    const child = await t.deploy(
      workflow(
        [
          { id: 'in', type: 'trigger.manual' },
          { id: 'bad', type: 'transform.jsonata', params: { expression: '$error("boom")' } },
        ],
        ['in->bad'],
      ),
    );
    const parent = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'call', type: 'flow.call', params: { workflowId: child }, onError: 'continue' },
        ],
        ['start->call'],
      ),
    );
    const execution = await t.run(parent);
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toMatchObject({ error: { code: 'CHILD_FAILED' } });
  });
});
