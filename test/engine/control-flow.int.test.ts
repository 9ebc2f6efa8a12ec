import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeEngine, workflow, type TestEngine } from '../helpers.js';

let t: TestEngine;
beforeEach(async () => {
  t = await makeEngine();
});
afterEach(async () => {
  await t.close();
});

/** The W1 benchmark workflow: transform, condition, two branches that join. */
const w1 = workflow(
  [
    { id: 'hook', type: 'trigger.webhook', params: { path: 'w1' } },
    {
      id: 'calc',
      type: 'transform.set',
      params: {
        fields: {
          total: '{{ $input.body.amount * 1.2 }}',
          email: '{{ $uppercase($input.body.email) }}',
        },
        keepInput: false,
      },
    },
    { id: 'check', type: 'flow.if', params: { condition: '{{ $input.total > 100 }}' } },
    { id: 'gold', type: 'transform.set', params: { fields: { tier: 'gold' } } },
    { id: 'basic', type: 'transform.set', params: { fields: { tier: 'basic' } } },
    { id: 'join', type: 'flow.merge', params: { mode: 'first' } },
  ],
  [
    'hook->calc',
    'calc->check',
    'check:true->gold',
    'check:false->basic',
    'gold->join',
    'basic->join',
  ],
);

describe('control flow', () => {
  test('if/else re-joins at a merge: the dead branch is skipped, the merge runs once', async () => {
    const id = await t.deploy(w1);
    const execution = await t.run(id, { body: { id: 7, amount: 120, email: 'a@b.co' } });
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toEqual({ total: 144, email: 'A@B.CO', tier: 'gold' });
    const detail = await t.engine.getExecutionDetail(execution.id);
    const statuses = Object.fromEntries(detail!.steps.map((s) => [s.key, s.status]));
    expect(statuses).toEqual({
      hook: 'succeeded',
      calc: 'succeeded',
      check: 'succeeded',
      gold: 'succeeded',
      basic: 'skipped',
      join: 'succeeded',
    });
    const low = await t.run(id, { body: { id: 8, amount: 10, email: 'x@y.z' } });
    expect(low.output).toMatchObject({ tier: 'basic' });
  });

  test('a merge waits for every live input and keys them by name', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'a', type: 'transform.set', params: { fields: { a: 1 }, keepInput: false } },
          { id: 'b', type: 'transform.set', params: { fields: { b: 2 }, keepInput: false } },
          { id: 'm', type: 'flow.merge', params: { mode: 'object' } },
        ],
        ['start->a', 'start->b', 'a->m', 'b->m'],
      ),
    );
    const execution = await t.run(id);
    expect(execution.output).toEqual({ a: { a: 1 }, b: { b: 2 } });
  });

  test('switch routes to the matching case and skips the others', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'route',
            type: 'flow.switch',
            params: {
              value: '{{ $input.kind }}',
              cases: [
                { port: 'lead', equals: 'lead' },
                { port: 'deal', equals: 'deal' },
              ],
            },
          },
          { id: 'lead', type: 'transform.set', params: { fields: { handled: 'lead' } } },
          { id: 'deal', type: 'transform.set', params: { fields: { handled: 'deal' } } },
          { id: 'other', type: 'transform.set', params: { fields: { handled: 'other' } } },
        ],
        ['start->route', 'route:lead->lead', 'route:deal->deal', 'route:default->other'],
      ),
    );
    expect((await t.run(id, { kind: 'deal' })).output).toEqual({ kind: 'deal', handled: 'deal' });
    expect((await t.run(id, { kind: 'zzz' })).output).toEqual({ kind: 'zzz', handled: 'other' });
  });

  test('expressions see $trigger and $steps by node name', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'first', type: 'transform.set', params: { fields: { x: 2 }, keepInput: false } },
          {
            id: 'second',
            type: 'transform.set',
            params: { fields: { y: '{{ $steps.first.x * $trigger.factor }}' }, keepInput: false },
          },
        ],
        ['start->first', 'first->second'],
      ),
    );
    expect((await t.run(id, { factor: 21 })).output).toEqual({ y: 42 });
  });

  test('flow.return sets the execution output', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'ret', type: 'flow.return', params: { value: { done: true } } },
          { id: 'after', type: 'transform.set', params: { fields: { ignored: true } } },
        ],
        ['start->ret', 'ret->after'],
      ),
    );
    expect((await t.run(id)).output).toEqual({ done: true });
  });

  test('a disabled node passes its input through', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'off',
            type: 'transform.set',
            params: { fields: { changed: true } },
            disabled: true,
          },
        ],
        ['start->off'],
      ),
    );
    expect((await t.run(id, { v: 1 })).output).toEqual({ v: 1 });
  });
});

describe('flow.return across a reload', () => {
  test('the returned value stays the output when the execution is reloaded after a wait', async () => {
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'ret', type: 'flow.return', params: { value: { returned: true } } },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 200 } },
          { id: 'late', type: 'transform.set', params: { fields: { late: true } } },
        ],
        ['start->ret', 'start->nap', 'nap->late'],
      ),
    );
    const handle = await t.engine.startExecution({ workflowId: id, input: {} });
    const engine = await t.restart();
    const { waitForEnd } = await import('../helpers.js');
    expect((await waitForEnd(engine, handle.executionId)).output).toEqual({ returned: true });
  });
});
