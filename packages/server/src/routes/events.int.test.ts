import { afterEach, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import type { ExecutionRecord } from '@flowstate/engine';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, manual, set } from '../testing/workflows.js';

let fixture: ServerFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function setup() {
  const clock = { t: Date.parse('2030-01-01T00:00:00Z'), now: () => clock.t };
  fixture = await makeServer({ engine: { clock } });
  const f = fixture;
  const call = async (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await f.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };
  const create = (id: string, definition: Workflow, active = true) =>
    call('POST', `/workflows?active=${active}`, { id, ...definition });
  const executions = (workflowId: string): Promise<ExecutionRecord[]> =>
    f.store.listExecutions({ workflowId, limit: 100 });
  const finished = async (id: string): Promise<ExecutionRecord> => {
    for (let i = 0; i < 200; i++) {
      const execution = await f.store.getExecution(id);
      if (execution && execution.status !== 'running') return execution;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`execution ${id} did not finish`);
  };
  /** Resolves once `count` steps wait for `order.paid` with this key. */
  const waitsFor = async (correlationKey: string, count: number) => {
    for (let i = 0; i < 200; i++) {
      const waits = await f.store.findWaits({ eventName: 'order.paid', correlationKey });
      if (waits.length >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${count} waits for ${correlationKey}`);
  };
  return { clock, call, create, executions, finished, waitsFor, f };
}

function onEvent(name: string, params: Record<string, unknown>): Workflow {
  return chain(name, [
    { id: 'on', type: 'trigger.event', name: 'On', params },
    set('out', { total: '{{ $trigger.payload.total }}', key: '{{ $trigger.correlationKey }}' }),
  ]);
}

function waiting(): Workflow {
  return chain('Waits', [
    manual(),
    {
      id: 'wait',
      type: 'wait.event',
      name: 'wait',
      params: { event: 'order.paid', correlationKey: '{{ $trigger.order }}' },
    },
  ]);
}

describe('POST /api/v1/events', () => {
  test('starts the workflows whose trigger.event matches name, key and condition', async () => {
    const t = await setup();
    await t.create('any', onEvent('Any', { event: 'order.paid' }));
    await t.create('keyed', onEvent('Keyed', { event: 'order.paid', correlationKey: 'o-1' }));
    await t.create(
      'big',
      onEvent('Big', { event: 'order.paid', condition: '{{ $input.payload.total > 100 }}' }),
    );
    await t.create('other', onEvent('Other', { event: 'order.shipped' }));
    await t.create('inactive', onEvent('Inactive', { event: 'order.paid' }), false);

    const small = await t.call('POST', '/events', {
      name: 'order.paid',
      correlationKey: 'o-1',
      payload: { total: 50 },
    });
    expect(small.status).toBe(200);
    expect(small.body.resumed).toEqual([]);
    expect(small.body.started.map((s: { workflowId: string }) => s.workflowId).sort()).toEqual([
      'any',
      'keyed',
    ]);
    const started = small.body.started.find(
      (s: { workflowId: string }) => s.workflowId === 'keyed',
    );
    expect(started).toEqual({
      executionId: expect.any(String),
      workflowId: 'keyed',
      triggerNodeId: 'on',
    });
    const execution = await t.finished(started.executionId);
    expect(execution.input).toEqual({
      name: 'order.paid',
      correlationKey: 'o-1',
      payload: { total: 50 },
      receivedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(execution.output).toMatchObject({ total: 50, key: 'o-1' });

    const big = await t.call('POST', '/events', { name: 'order.paid', payload: { total: 500 } });
    expect(big.body.started.map((s: { workflowId: string }) => s.workflowId).sort()).toEqual([
      'any',
      'big',
    ]);
    expect(await t.executions('inactive')).toEqual([]);
    expect(await t.executions('other')).toEqual([]);

    await t.call('POST', '/workflows/any/deactivate');
    const after = await t.call('POST', '/events', { name: 'order.paid', payload: { total: 1 } });
    expect(after.body).toEqual({ started: [], resumed: [] });
  });

  test('starts triggers and resumes waits of the same event', async () => {
    const t = await setup();
    await t.create('waits', waiting());
    await t.create('any', onEvent('Any', { event: 'order.paid' }));
    const run = await t.call('POST', '/workflows/waits/run', { input: { order: 'o-7' } });
    await t.waitsFor('o-7', 1);
    const res = await t.call('POST', '/events', {
      name: 'order.paid',
      correlationKey: 'o-7',
      payload: { total: 3 },
    });
    expect(res.body).toEqual({
      started: [{ executionId: expect.any(String), workflowId: 'any', triggerNodeId: 'on' }],
      resumed: [{ executionId: run.body.executionId, stepKey: 'wait' }],
    });
    expect((await t.finished(run.body.executionId)).output).toEqual({ total: 3 });
  });

  test('an Idempotency-Key makes a repeated delivery start and resume nothing new', async () => {
    const t = await setup();
    await t.create('waits', waiting());
    await t.create('any', onEvent('Any', { event: 'order.paid' }));
    const first = await t.call('POST', '/workflows/waits/run', { input: { order: 'o-1' } });
    await t.waitsFor('o-1', 1);
    const event = { name: 'order.paid', correlationKey: 'o-1', payload: { total: 1 } };
    const key = { 'idempotency-key': 'delivery-1' };
    const one = await t.call('POST', '/events', event, key);
    expect(one.status).toBe(200);
    expect(one.headers['idempotent-replayed']).toBeUndefined();
    expect(one.body.started).toHaveLength(1);
    expect(one.body.resumed).toEqual([{ executionId: first.body.executionId, stepKey: 'wait' }]);
    // A second waiting execution appears: the repeat must not resume it.
    const second = await t.call('POST', '/workflows/waits/run', { input: { order: 'o-1' } });
    await t.waitsFor('o-1', 1);
    const two = await t.call('POST', '/events', event, key);
    expect(two.status).toBe(200);
    expect(two.headers['idempotent-replayed']).toBe('true');
    expect(two.body).toEqual(one.body);
    expect(await t.executions('any')).toHaveLength(1);
    expect((await t.f.store.getExecution(second.body.executionId))?.status).toBe('running');

    const reused = await t.call('POST', '/events', { ...event, payload: { total: 2 } }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: [{ path: '/headers/idempotency-key' }],
    });

    // Keys expire after 24 hours: the same key is then a new delivery.
    t.clock.t += 24 * 3_600_000 + 1;
    const later = await t.call('POST', '/events', event, key);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body.resumed).toEqual([{ executionId: second.body.executionId, stepKey: 'wait' }]);
    expect(await t.executions('any')).toHaveLength(2);
  });

  test('a delivery in progress with the same key is a 409; a stale one is taken over', async () => {
    const t = await setup();
    await t.create('any', onEvent('Any', { event: 'ping' }));
    const event = { name: 'ping', payload: null };
    const { contentHash } = await import('@flowstate/core');
    await t.f.store.claimIdempotencyKey({
      scope: 'events',
      key: 'k',
      requestHash: contentHash(event),
      now: t.clock.t,
      ttlMs: 86_400_000,
      staleBefore: 0,
    });
    const busy = await t.call('POST', '/events', event, { 'idempotency-key': 'k' });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    t.clock.t += 61_000;
    const taken = await t.call('POST', '/events', event, { 'idempotency-key': 'k' });
    expect(taken.status).toBe(200);
    expect(taken.body.started).toHaveLength(1);
  });

  test.each([
    [{ name: 'flowstate.approval', correlationKey: 'x' }, {}, /reserved/],
    [{ correlationKey: 'x' }, {}, /name/],
    [{ name: '' }, {}, /name/],
    [{ name: 'a', correlationKey: { no: 1 } }, {}, /correlationKey/],
    [{ name: 'a' }, { 'idempotency-key': 'has space' }, /idempotency-key/i],
    [{ name: 'a' }, { 'idempotency-key': 'x'.repeat(256) }, /idempotency-key/i],
  ])('refuses %j %j with a 400', async (payload, headers, message) => {
    const t = await setup();
    const res = await t.call('POST', '/events', payload, headers);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(res.body.error.message).toMatch(message);
  });
});
