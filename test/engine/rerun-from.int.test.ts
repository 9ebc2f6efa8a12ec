import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Workflow } from '@flowstate/core';
import type { StepRecord } from '@flowstate/engine';
import { createBuiltinRegistry } from '@flowstate/nodes';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** A real HTTP server that counts the calls it gets and answers `{ n: <call number> }`. */
let server: Server;
let calls = 0;
let url = '';
beforeEach(async () => {
  calls = 0;
  server = createServer((request, response) => {
    calls += 1;
    request.resume();
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ n: calls * 10 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/count`;
});

let t: TestEngine;
afterEach(async () => {
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});

/** The built-in nodes, with `http.request` allowed to reach the local test server. */
const registry = createBuiltinRegistry({ http: { allowedHosts: ['127.0.0.1'] } });

/** trigger -> call (HTTP, a side effect) -> compute (transform) -> check (if) -> yes / no. */
function pipeline(factor: number, threshold = 15, extra: Workflow['nodes'] = []): Workflow {
  return workflow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', params: { method: 'POST', url, body: {} } },
      {
        id: 'compute',
        type: 'transform.set',
        params: { fields: { total: `{{ $input.body.n * ${factor} }}` }, keepInput: false },
      },
      { id: 'check', type: 'flow.if', params: { condition: `{{ $input.total > ${threshold} }}` } },
      { id: 'yes', type: 'transform.set', params: { fields: { branch: 'yes' } } },
      { id: 'no', type: 'transform.set', params: { fields: { branch: 'no' } } },
      ...extra,
    ],
    ['start->call', 'call->compute', 'compute->check', 'check:true->yes', 'check:false->no'],
  );
}

/** Saves `definition` as the workflow's new draft; returns its version. */
async function saveDraft(workflowId: string, definition: Workflow): Promise<number> {
  const saved = await t.store.saveWorkflowVersion({ workflowId, definition, now: Date.now() });
  if ('conflict' in saved) throw new Error('unexpected conflict');
  return saved.version;
}

async function stepsOf(executionId: string): Promise<Record<string, StepRecord>> {
  const detail = await t.engine.getExecutionDetail(executionId);
  return Object.fromEntries(detail!.steps.map((step) => [step.key, step]));
}

async function runToEnd(workflowId: string) {
  const handle = await t.engine.startExecution({ workflowId, input: { order: 7 } });
  return waitForEnd(t.engine, handle.executionId);
}

describe('re-run from a node', () => {
  test('reuses the side effect upstream and recomputes downstream with the new draft', async () => {
    t = await makeEngine({ registry });
    const id = await t.deploy(pipeline(1));
    const first = await runToEnd(id);
    expect(first).toMatchObject({ status: 'succeeded', output: { total: 10, branch: 'no' } });
    expect(calls).toBe(1);

    const draft = await saveDraft(id, pipeline(3));
    const handle = await t.engine.rerunFrom(first.id, 'compute', { draft: true });
    const again = await waitForEnd(t.engine, handle.executionId);
    expect(again).toMatchObject({
      status: 'succeeded',
      rerunOf: first.id,
      workflowVersion: draft,
      input: { order: 7 },
      output: { total: 30, branch: 'yes' },
    });
    expect(calls).toBe(1);

    const before = await stepsOf(first.id);
    const after = await stepsOf(again.id);
    expect(after['call']).toMatchObject({
      status: 'succeeded',
      attempt: 0,
      port: 'out',
      output: before['call']!.output,
    });
    expect(after['compute']).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(after['yes']?.status).toBe('succeeded');
    expect(after['no']?.status).toBe('skipped');
  });

  test('without options it runs the source version; from the trigger it runs everything', async () => {
    t = await makeEngine({ registry });
    const id = await t.deploy(pipeline(1));
    const first = await runToEnd(id);
    await saveDraft(id, pipeline(3));

    const same = await t.engine.rerunFrom(first.id, 'check');
    expect(await waitForEnd(t.engine, same.executionId)).toMatchObject({
      workflowVersion: 1,
      output: { total: 10, branch: 'no' },
    });
    expect((await stepsOf(same.executionId))['compute']).toMatchObject({ attempt: 0 });
    expect(calls).toBe(1);

    const all = await t.engine.rerunFrom(first.id, 'start', { version: 2 });
    expect(await waitForEnd(t.engine, all.executionId)).toMatchObject({
      output: { total: 60, branch: 'yes' },
    });
    expect(calls).toBe(2);
  });

  test('a node on the branch that was skipped stays skipped; re-run from the if to take it', async () => {
    t = await makeEngine({ registry });
    const id = await t.deploy(pipeline(1, 5));
    const first = await runToEnd(id);
    expect(first.output).toEqual({ total: 10, branch: 'yes' });
    expect((await stepsOf(first.id))['no']?.status).toBe('skipped');

    // The if's recorded decision is reused: its other branch is a dead path again.
    const fromNo = await t.engine.rerunFrom(first.id, 'no');
    expect(await waitForEnd(t.engine, fromNo.executionId)).toMatchObject({
      status: 'succeeded',
      output: { total: 10, branch: 'yes' },
    });
    const skipped = await stepsOf(fromNo.executionId);
    expect(skipped['check']).toMatchObject({ status: 'succeeded', attempt: 0, port: 'true' });
    expect(skipped['no']?.status).toBe('skipped');

    // With a draft whose condition flips, re-running from the if takes the other branch.
    await saveDraft(id, pipeline(1, 50));
    const fromCheck = await t.engine.rerunFrom(first.id, 'check', { draft: true });
    expect(await waitForEnd(t.engine, fromCheck.executionId)).toMatchObject({
      output: { total: 10, branch: 'no' },
    });
    const flipped = await stepsOf(fromCheck.executionId);
    expect(flipped['yes']?.status).toBe('skipped');
    expect(flipped['no']?.status).toBe('succeeded');
    expect(calls).toBe(1);
  });

  test('a node new in the draft runs, and so does everything after it', async () => {
    t = await makeEngine({ registry });
    const id = await t.deploy(pipeline(1));
    const first = await runToEnd(id);
    const changed = pipeline(1);
    changed.nodes.push({
      id: 'tag',
      name: 'tag',
      type: 'transform.set',
      params: { fields: { 'body.n': 100 } },
    });
    changed.edges = changed.edges.map((edge) =>
      edge.from === 'call' ? { ...edge, from: 'tag' } : edge,
    );
    changed.edges.push({ id: 'e-tag', from: 'call', to: 'tag' });
    await saveDraft(id, changed);

    const handle = await t.engine.rerunFrom(first.id, 'check', { draft: true });
    expect(await waitForEnd(t.engine, handle.executionId)).toMatchObject({
      output: { total: 100, branch: 'yes' },
    });
    const steps = await stepsOf(handle.executionId);
    expect(steps['call']?.attempt).toBe(0);
    expect(steps['tag']?.attempt).toBe(1);
    // compute was recorded in the source, but its upstream changed: it runs again.
    expect(steps['compute']?.attempt).toBe(1);
    expect(calls).toBe(1);
  });

  test('a loop upstream is reused whole; a failed source can be re-run from its failed step', async () => {
    t = await makeEngine({ registry });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'each', type: 'flow.loop', params: { items: '{{ [1, 2] }}' } },
          {
            id: 'ping',
            type: 'http.request',
            parentId: 'each',
            params: { method: 'POST', url, body: {} },
          },
          {
            id: 'sum',
            type: 'transform.jsonata',
            params: { expression: "$error('not yet')" },
            retry: { maxAttempts: 1 },
          },
        ],
        ['start->each', 'each:done->sum'],
      ),
    );
    const first = await runToEnd(id);
    expect(first.status).toBe('failed');
    expect(calls).toBe(2);

    const fixed = await t.store.getWorkflowVersion(id, 1);
    const definition = structuredClone(fixed!.definition);
    definition.nodes.find((node) => node.id === 'sum')!.params = {
      expression: '$sum($input.body.n)',
    };
    await saveDraft(id, definition);
    const handle = await t.engine.rerunFrom(first.id, 'sum', { draft: true });
    expect(await waitForEnd(t.engine, handle.executionId)).toMatchObject({
      status: 'succeeded',
      output: 30,
    });
    const steps = await stepsOf(handle.executionId);
    expect(steps['each']).toMatchObject({ status: 'succeeded', attempt: 0 });
    expect(Object.keys(steps).some((key) => key.includes('/'))).toBe(false);
    expect(calls).toBe(2);
  });

  test('refuses what it cannot do, naming the execution or node', async () => {
    t = await makeEngine({ registry });
    const id = await t.deploy(
      workflow(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'nap', type: 'wait.delay', params: { durationMs: 60_000 } },
          { id: 'each', type: 'flow.loop', params: { items: '{{ [1] }}' } },
          { id: 'inner', type: 'transform.set', parentId: 'each', params: { fields: {} } },
          { id: 'other', type: 'trigger.manual' },
        ],
        ['start->nap', 'nap->each'],
      ),
    );
    const waiting = await t.engine.startExecution({ workflowId: id, input: {} });
    await expect(t.engine.rerunFrom(waiting.executionId, 'nap')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('it is running'),
    });
    await t.engine.cancel(waiting.executionId);
    const source = waiting.executionId;
    await expect(t.engine.rerunFrom('nope', 'nap')).rejects.toMatchObject({
      code: 'EXECUTION_NOT_FOUND',
    });
    await expect(t.engine.rerunFrom(source, 'ghost')).rejects.toMatchObject({
      code: 'NODE_NOT_FOUND',
      message: expect.stringContaining('"ghost"'),
    });
    await expect(t.engine.rerunFrom(source, 'inner')).rejects.toMatchObject({
      code: 'RERUN_INSIDE_LOOP',
      message: expect.stringContaining('re-run from the loop node instead'),
    });
    await expect(t.engine.rerunFrom(source, 'other')).rejects.toMatchObject({
      code: 'RERUN_NODE_UNREACHABLE',
    });
    await expect(t.engine.rerunFrom(source, 'nap', { version: 9 })).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
    });
    const renamed = structuredClone((await t.store.getWorkflowVersion(id, 1))!.definition);
    renamed.nodes[0]!.id = 'begin';
    renamed.edges[0]!.from = 'begin';
    await saveDraft(id, renamed);
    await expect(t.engine.rerunFrom(source, 'nap', { draft: true })).rejects.toMatchObject({
      code: 'INVALID_TRIGGER',
      message: expect.stringContaining('Trigger "start"'),
    });
  });
});
