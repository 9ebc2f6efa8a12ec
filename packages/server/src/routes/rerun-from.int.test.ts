import { defineNode } from '@flowstate/sdk';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createAccount } from '../testing/accounts.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, delay, jsonata, manual } from '../testing/workflows.js';
import type { Workflow } from '@flowstate/core';

/** A side-effecting node that counts its runs (a stand-in for an API call). */
let sent = 0;
const send = defineNode({
  type: 'test.send',
  name: 'Send',
  group: 'action',
  description: 'counts its runs',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  run: () => ({ sent: ++sent }),
});

let server: ServerFixture;
beforeEach(async () => {
  sent = 0;
  server = await makeServer({ extraNodes: [send] });
});
afterEach(async () => {
  await server.close();
});

async function call(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: object,
  headers?: Record<string, string>,
) {
  const res = await server.inject({
    method,
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
    ...(headers ? { headers } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

/** manual -> send (side effect) -> double (`$input.sent * factor`). */
function doubling(factor: number): Workflow {
  return chain('doubling', [
    manual(),
    { id: 'send', type: 'test.send', name: 'send', params: {} },
    jsonata('double', `$input.sent * ${factor}`),
  ]);
}

async function finished(id: string) {
  for (let i = 0; i < 300; i++) {
    const { body } = await call('GET', `/executions/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(body.execution.status)) return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`execution ${id} did not finish`);
}

async function firstRun(definition: Workflow): Promise<string> {
  expect((await call('POST', '/workflows?publish=true', { id: 'w', ...definition })).status).toBe(
    201,
  );
  const run = await call('POST', '/workflows/w/run?wait=5000', { input: { who: 'ada' } });
  expect(run.status).toBe(200);
  return run.body.execution.id as string;
}

describe('POST /executions/:id/rerun-from', () => {
  test('runs the draft from a node, reusing the upstream side effect', async () => {
    const source = await firstRun(doubling(2));
    expect(sent).toBe(1);
    expect((await call('PUT', '/workflows/w', doubling(5))).status).toBe(200);

    const rerun = await call('POST', `/executions/${source}/rerun-from`, {
      nodeId: 'double',
      draft: true,
    });
    expect(rerun).toEqual({
      status: 202,
      body: { executionId: expect.any(String), status: 'running' },
    });
    const detail = await finished(rerun.body.executionId);
    expect(detail.execution).toMatchObject({
      status: 'succeeded',
      rerunOf: source,
      workflowVersion: 2,
      input: { who: 'ada' },
      output: 5,
    });
    const send = detail.steps.find((step: { key: string }) => step.key === 'send');
    expect(send).toMatchObject({ status: 'succeeded', attempt: 0, output: { sent: 1 } });
    expect(sent).toBe(1);
  });

  test('refusals: unknown execution or node, a node in a loop, a running source, bad body', async () => {
    const source = await firstRun(doubling(2));
    const post = (id: string, payload: object) =>
      call('POST', `/executions/${id}/rerun-from`, payload);

    expect(await post('nope', { nodeId: 'double' })).toMatchObject({
      status: 404,
      body: { error: { code: 'EXECUTION_NOT_FOUND' } },
    });
    const ghost = await post(source, { nodeId: 'ghost' });
    expect(ghost).toMatchObject({ status: 404, body: { error: { code: 'NODE_NOT_FOUND' } } });
    expect(ghost.body.error.message).toContain('"ghost"');
    expect(await post(source, { nodeId: 'double', version: 7 })).toMatchObject({
      status: 404,
      body: { error: { code: 'WORKFLOW_NOT_FOUND' } },
    });
    const missing = await post(source, { draft: true });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    expect(missing.body.error.details[0].path).toBe('/body/nodeId');

    const looped: Workflow = {
      ...doubling(2),
      nodes: [
        ...doubling(2).nodes,
        { id: 'each', type: 'flow.loop', name: 'each', params: { items: '{{ [1] }}' } },
        {
          id: 'inner',
          type: 'transform.set',
          name: 'inner',
          params: { fields: {} },
          parentId: 'each',
        },
      ],
      edges: [...doubling(2).edges, { id: 'e-loop', from: 'double', to: 'each' }],
    };
    expect((await call('PUT', '/workflows/w', looped)).status).toBe(200);
    const inLoop = await post(source, { nodeId: 'inner', draft: true });
    expect(inLoop).toMatchObject({ status: 400, body: { error: { code: 'RERUN_INSIDE_LOOP' } } });
    expect(inLoop.body.error.message).toContain('re-run from the loop node instead');
    const other = { id: 'other', type: 'trigger.manual', name: 'other', params: {} };
    expect(
      (await call('PUT', '/workflows/w', { ...looped, nodes: [...looped.nodes, other] })).status,
    ).toBe(200);
    expect(await post(source, { nodeId: 'other', draft: true })).toMatchObject({
      status: 400,
      body: { error: { code: 'RERUN_NODE_UNREACHABLE' } },
    });

    expect(
      (
        await call('POST', '/workflows?publish=true', {
          id: 'slow',
          ...chain('slow', [manual(), delay('nap', 60_000)]),
        })
      ).status,
    ).toBe(201);
    const running = await call('POST', '/workflows/slow/run', { input: {} });
    expect(running.status).toBe(202);
    const busy = await post(running.body.executionId, { nodeId: 'nap' });
    expect(busy).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    expect(busy.body.error.message).toContain('it is running');
    expect(sent).toBe(1);
  });

  test('needs editor access', async () => {
    const source = await firstRun(doubling(2));
    const viewer = await createAccount(server, 'viewer');
    const denied = await call(
      'POST',
      `/executions/${source}/rerun-from`,
      { nodeId: 'double' },
      viewer.keyHeaders,
    );
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const editor = await createAccount(server, 'editor');
    const allowed = await call(
      'POST',
      `/executions/${source}/rerun-from`,
      { nodeId: 'double' },
      editor.keyHeaders,
    );
    expect(allowed.status).toBe(202);
    expect((await finished(allowed.body.executionId)).execution.output).toBe(2);
  });
});
