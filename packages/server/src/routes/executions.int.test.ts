import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, delay, jsonata, manual } from '../testing/workflows.js';

let server: ServerFixture;
beforeEach(async () => {
  server = await makeServer();
});
afterEach(async () => {
  await server.close();
});

async function call(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await server.inject({
    method,
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function create(id: string, nodes: Parameters<typeof chain>[1]) {
  expect((await call('POST', '/workflows?publish=true', { id, ...chain(id, nodes) })).status).toBe(
    201,
  );
}

async function waitForStatus(id: string, statuses: string[], stepKey?: string) {
  for (let i = 0; i < 200; i++) {
    const { body } = await call('GET', `/executions/${id}`);
    const status =
      stepKey === undefined
        ? body.execution.status
        : body.steps.find((s: { key: string }) => s.key === stepKey)?.status;
    if (statuses.includes(status)) return body.execution;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(
    `execution ${id}${stepKey ? ` step ${stepKey}` : ''} never reached ${statuses.join('/')}`,
  );
}

describe('executions API', () => {
  test('lists with filters and cursor pagination', async () => {
    await create('a', [manual(), jsonata('v', '$input')]);
    await create('b', [manual(), jsonata('v', '0')]);
    for (const n of [1, 2, 3])
      expect((await call('POST', '/workflows/a/run?wait=5000', { input: n })).status).toBe(200);
    await call('POST', '/workflows/b/run?wait=5000', {});

    const first = await call('GET', '/executions?workflowId=a&limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(
      'GET',
      `/executions?workflowId=a&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const items = [...first.body.items, ...second.body.items];
    expect(items.every((e: object) => !('input' in e) && !('output' in e))).toBe(true);
    expect(items.map((e: { triggerType: string }) => e.triggerType)).toEqual(
      Array(3).fill('trigger.manual'),
    );

    expect((await call('GET', '/executions?status=succeeded')).body.items).toHaveLength(4);
    expect((await call('GET', '/executions?status=failed')).body.items).toHaveLength(0);
    expect((await call('GET', '/executions?status=bogus')).status).toBe(400);
  });

  test('filters by trigger, time range and text in the trigger input', async () => {
    await create('a', [manual(), jsonata('v', '$input')]);
    const started: number[] = [];
    for (const input of [{ customer: 'Ada Lovelace' }, { customer: 'Grace' }, { note: 'ada' }]) {
      started.push(Date.now());
      await call('POST', '/workflows/a/run?wait=5000', { input });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ids = async (query: string) =>
      (await call('GET', `/executions?${query}`)).body.items.length as number;
    expect(await ids('q=ADA')).toBe(2);
    expect(await ids('q=grace&workflowId=a')).toBe(1);
    expect(await ids('triggerType=trigger.manual')).toBe(3);
    expect(await ids('triggerType=trigger.webhook')).toBe(0);
    expect(await ids('triggerNodeId=start')).toBe(3);
    expect(await ids(`from=${started[1]}`)).toBe(2);
    expect(await ids(`to=${new Date(started[1]!).toISOString()}`)).toBe(1);
    const bad = await call('GET', '/executions?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('/query/from');
    expect((await call('GET', '/executions?limit=501')).status).toBe(400);
  });

  test('rerun starts a new execution with the same input', async () => {
    await create('a', [manual(), jsonata('v', '$input.n + 1')]);
    const { body } = await call('POST', '/workflows/a/run?wait=5000', { input: { n: 1 } });
    const rerun = await call('POST', `/executions/${body.execution.id}/rerun`);
    expect(rerun.status).toBe(202);
    expect(rerun.body.executionId).not.toBe(body.execution.id);
    const execution = await waitForStatus(rerun.body.executionId, ['succeeded']);
    expect(execution).toMatchObject({ output: 2, rerunOf: body.execution.id });
  });

  test('pause, resume and cancel a waiting execution; acting on a finished one is 409', async () => {
    await create('slow', [manual(), delay('nap', 60_000)]);
    const { body } = await call('POST', '/workflows/slow/run', {});
    const id = body.executionId as string;
    await waitForStatus(id, ['waiting'], 'nap');
    expect((await call('POST', `/executions/${id}/pause`)).body.execution.status).toBe('paused');
    expect((await call('POST', `/executions/${id}/resume`)).body.execution.status).toBe('running');
    expect((await call('POST', `/executions/${id}/cancel`)).body.execution.status).toBe(
      'cancelled',
    );
    const again = await call('POST', `/executions/${id}/pause`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE');
  });

  test('retry resumes a failed execution from the failed step', async () => {
    await create('flaky', [manual(), jsonata('check', '$input.ok ? "fine" : $error("not ok")')]);
    const { body } = await call('POST', '/workflows/flaky/run?wait=5000', { input: { ok: false } });
    expect(body.execution.status).toBe('failed');
    const detail = await call('GET', `/executions/${body.execution.id}`);
    expect(detail.body.steps.find((s: { key: string }) => s.key === 'check').status).toBe('failed');
    const retried = await call('POST', `/executions/${body.execution.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.execution.id).toEqual(expect.any(String));
  });

  test('events resume waiting executions', async () => {
    await create('approval', [
      manual(),
      {
        id: 'wait',
        type: 'wait.event',
        name: 'wait',
        params: { event: 'order.paid', correlationKey: '{{ $trigger.order }}' },
      },
    ]);
    const { body } = await call('POST', '/workflows/approval/run', { input: { order: 'o-1' } });
    await waitForStatus(body.executionId, ['waiting'], 'wait');
    const none = await call('POST', '/events', {
      name: 'order.paid',
      correlationKey: 'o-2',
      payload: {},
    });
    expect(none.body).toEqual({ started: [], resumed: [] });
    const delivered = await call('POST', '/events', {
      name: 'order.paid',
      correlationKey: 'o-1',
      payload: { amount: 5 },
    });
    expect(delivered.body.resumed).toEqual([{ executionId: body.executionId, stepKey: 'wait' }]);
    const execution = await waitForStatus(body.executionId, ['succeeded']);
    expect(execution.output).toEqual({ amount: 5 });
  });
});
