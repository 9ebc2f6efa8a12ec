import { afterEach, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import { apiClient } from '../testing/api-client.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, jsonata, manual } from '../testing/workflows.js';

let server: ServerFixture | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(workflows: Record<string, Workflow>, inlinePayloadBytes?: number) {
  server = await makeServer(inlinePayloadBytes === undefined ? {} : { inlinePayloadBytes });
  const call = apiClient(server);
  for (const [id, definition] of Object.entries(workflows)) {
    expect((await call('POST', '/workflows?publish=true', { id, ...definition })).status).toBe(201);
  }
  const run = async (id: string, input: unknown) => {
    const res = await call('POST', `/workflows/${id}/run?wait=5000`, { input });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.execution.id as string;
  };
  return { call, run, app: server.app };
}

const loop: Workflow = {
  schemaVersion: 1,
  name: 'Loop',
  nodes: [
    { id: 'start', type: 'trigger.manual', name: 'Start', params: {} },
    { id: 'each', type: 'flow.loop', name: 'Each', params: { items: '{{ $input.numbers }}' } },
    {
      id: 'double',
      type: 'transform.set',
      name: 'Double',
      parentId: 'each',
      params: { fields: { n: '{{ $item * 2 }}' }, keepInput: false },
    },
  ],
  edges: [{ id: 'e1', from: 'start', to: 'each' }],
};

describe('execution detail', () => {
  test('the step timeline names nodes, loop iterations, timings and attempts', async () => {
    const { call, run } = await setup({ loop });
    const id = await run('loop', { numbers: [1, 2] });
    const detail = await call('GET', `/executions/${id}`);
    expect(detail.status).toBe(200);
    const steps = detail.body.steps as Array<Record<string, unknown>>;
    expect(steps.map((s) => s.key).sort()).toEqual([
      'each',
      'each[0]/double',
      'each[1]/double',
      'start',
    ]);
    const iteration = steps.find((s) => s.key === 'each[1]/double')!;
    expect(iteration).toMatchObject({
      nodeId: 'double',
      nodeName: 'Double',
      nodeType: 'transform.set',
      loop: [{ nodeId: 'each', index: 1 }],
      status: 'succeeded',
      attempt: 1,
      output: { n: 4 },
      startedAt: expect.any(Number),
      finishedAt: expect.any(Number),
    });
    expect(iteration).not.toHaveProperty('leaseOwner');
    expect(detail.body.execution).toMatchObject({
      status: 'succeeded',
      input: { numbers: [1, 2] },
    });
    expect(detail.body.children).toEqual([]);
    expect(detail.body).not.toHaveProperty('parent');

    const output = await call(
      'GET',
      `/executions/${id}/steps/${encodeURIComponent('each[0]/double')}/output`,
    );
    expect(output.status).toBe(200);
    expect(output.body).toEqual({ n: 2 });
  });

  test('large payloads are linked, and the links return the stored value', async () => {
    const { call, run } = await setup(
      { big: chain('Big', [manual(), jsonata('copy', '$input')]) },
      200,
    );
    const input = { text: 'x'.repeat(1000) };
    const id = await run('big', input);
    const detail = await call('GET', `/executions/${id}`);
    expect(detail.body.execution).not.toHaveProperty('input');
    expect(detail.body.execution.inputLink).toEqual({
      href: `/api/v1/executions/${id}/input`,
      bytes: JSON.stringify(input).length,
    });
    const step = detail.body.steps.find((s: { key: string }) => s.key === 'copy');
    expect(step).not.toHaveProperty('output');
    expect(step.outputLink.href).toBe(`/api/v1/executions/${id}/steps/copy/output`);
    const fetched = await server!.inject({ method: 'GET', url: step.outputLink.href });
    expect(fetched.headers['content-type']).toContain('application/json');
    expect(fetched.json()).toEqual(input);
    expect((await call('GET', `/executions/${id}/input`)).body).toEqual(input);
    expect((await call('GET', `/executions/${id}/output`)).body).toEqual(input);
  });

  test('parent and child executions link each other', async () => {
    const child = chain('Child', [manual(), jsonata('double', '$input.n * 2')]);
    const parent = chain('Parent', [
      manual(),
      {
        id: 'call',
        type: 'flow.call',
        name: 'call',
        params: { workflowId: 'child', input: '{{ $input }}' },
      },
    ]);
    const { call, run } = await setup({ child, parent });
    const id = await run('parent', { n: 4 });
    const detail = await call('GET', `/executions/${id}`);
    expect(detail.body.execution.output).toBe(8);
    expect(detail.body.children).toHaveLength(1);
    const childId = detail.body.children[0].id;
    expect(detail.body.children[0]).toMatchObject({ parentExecutionId: id, parentStepKey: 'call' });
    const childDetail = await call('GET', `/executions/${childId}`);
    expect(childDetail.body.parent).toEqual({ executionId: id, stepKey: 'call' });
  });

  test('payload and detail 4xx: unknown execution, unknown step, no value', async () => {
    const { call, run } = await setup({ w: chain('W', [manual(), jsonata('v', '1')]) });
    const id = await run('w', null);
    expect((await call('GET', '/executions/nope')).body.error.code).toBe('EXECUTION_NOT_FOUND');
    expect((await call('GET', '/executions/nope/output')).status).toBe(404);
    const step = await call('GET', `/executions/${id}/steps/nope/output`);
    expect(step.status).toBe(404);
    expect(step.body.error).toMatchObject({
      code: 'STEP_NOT_FOUND',
      details: [{ path: '/params/key' }],
    });
    const noInput = await call('GET', `/executions/${id}/steps/start/input`);
    expect(noInput.status).toBe(404);
    expect(noInput.body.error.code).toBe('PAYLOAD_NOT_FOUND');
    expect((await call('GET', '/executions/nope/steps/v/output')).status).toBe(404);
  });
});
