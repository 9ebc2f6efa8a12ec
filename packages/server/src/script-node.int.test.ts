import { afterEach, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import { makeServer, type ServerFixture } from './testing/server-fixture.js';
import { chain, jsonata, manual } from './testing/workflows.js';

// script.js inside a real server: the engine hands it the execution's variables, and a
// script that spins runs in a worker thread while the server answers and renews leases.
let server: ServerFixture | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Node = Workflow['nodes'][number];

function script(id: string, code: string, params: object = {}): Node {
  return { id, type: 'script.js', name: id, params: { code, timeoutMs: 10_000, ...params } };
}

async function call(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await server!.inject({
    method,
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function publish(id: string, nodes: Node[]) {
  const created = await call('POST', '/workflows?publish=true', { id, ...chain(id, nodes) });
  expect(created.status).toBe(201);
}

describe('script.js in a server', () => {
  test('reads $trigger, $steps and $input; its output feeds the next node', async () => {
    server = await makeServer();
    await publish('order', [
      manual(),
      jsonata('prices', '{ "unit": 2.5 }'),
      script(
        'total',
        [
          'console.log("pricing", $trigger.qty);',
          'const unit = $steps.prices.unit;',
          'return { total: $trigger.qty * unit, fromInput: $input.unit, at: typeof $now };',
        ].join('\n'),
      ),
      jsonata('label', '"Total: " & $input.total'),
    ]);
    const { status, body } = await call('POST', '/workflows/order/run?wait=10000', {
      input: { qty: 4 },
    });
    expect(status).toBe(200);
    expect(body.execution.status).toBe('succeeded');
    const detail = await call('GET', `/executions/${body.execution.id}`);
    const output = (key: string) =>
      detail.body.steps.find((s: { key: string }) => s.key === key)?.output;
    expect(output('total')).toEqual({ total: 10, fromInput: 2.5, at: 'string' });
    expect(output('label')).toBe('Total: 10');
  });

  test('a syntax error fails the execution with the line and column', async () => {
    server = await makeServer();
    await publish('broken', [manual(), script('bad', 'const a = 1;\nreturn a +;')]);
    const { body } = await call('POST', '/workflows/broken/run?wait=10000', {});
    expect(body.execution.status).toBe('failed');
    const detail = await call('GET', `/executions/${body.execution.id}`);
    const step = detail.body.steps.find((s: { key: string }) => s.key === 'bad');
    expect(step.error).toMatchObject({
      code: 'SCRIPT_SYNTAX',
      retriable: false,
      message: expect.stringMatching(/^Script has a syntax error at line 2, column \d+/),
    });
  });

  test('while (true) {} spins off the event loop: /healthz answers, leases renew', async () => {
    server = await makeServer({ engine: { leaseMs: 600 } });
    await publish('spin', [manual(), script('spin', 'while (true) {}', { timeoutMs: 4000 })]);
    const started = await call('POST', '/workflows/spin/run', {});
    expect(started.status).toBe(202);
    const executionId: string = started.body.executionId;

    let healthWhileSpinning = 0;
    const leaseExpiries = new Set<number>();
    for (let i = 0; i < 600; i++) {
      const loaded = await server.store.loadExecution(executionId);
      const step = loaded?.steps.find((s) => s.key === 'spin');
      if (step === undefined || step.status === 'failed' || step.status === 'succeeded') {
        if (step !== undefined) break;
      } else {
        if (step.leaseExpiresAt !== undefined) leaseExpiries.add(step.leaseExpiresAt);
        const health = await server.app.inject({ method: 'GET', url: '/healthz' });
        expect(health.statusCode).toBe(200);
        const after = await server.store.loadExecution(executionId);
        const still = after?.steps.find((s) => s.key === 'spin')?.status;
        if (still !== 'failed' && still !== 'succeeded') healthWhileSpinning += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Answers came while the script was still spinning, and the lease moved forward.
    expect(healthWhileSpinning).toBeGreaterThan(2);
    expect(leaseExpiries.size).toBeGreaterThan(1);

    const detail = await call('GET', `/executions/${executionId}`);
    expect(detail.body.execution.status).toBe('failed');
    const step = detail.body.steps.find((s: { key: string }) => s.key === 'spin');
    expect(step.error).toMatchObject({
      code: 'SCRIPT_TIMEOUT',
      message: 'Script exceeded its 4000 ms time limit',
    });
  });
});
