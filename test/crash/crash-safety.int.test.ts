import { afterEach, describe, expect, test } from 'vitest';
import { countingServer, eventually, ServerProcess, sleep } from '../server-process.js';

/** Webhook -> 2 s delay -> HTTP call with the step's idempotency key (3 steps). */
function sleeperWorkflow(target: string) {
  return {
    id: 'crash-sleeper',
    schemaVersion: 1,
    name: 'Crash test: sleeper',
    nodes: [
      {
        id: 'hook',
        name: 'Hook',
        type: 'trigger.webhook',
        params: { path: 'crash', method: 'POST' },
      },
      { id: 'nap', name: 'Nap', type: 'wait.delay', params: { durationMs: 2000 } },
      {
        id: 'call',
        name: 'Call',
        type: 'http.request',
        params: { method: 'POST', url: `${target}/done`, body: '{{ $input.body }}' },
      },
    ],
    edges: [
      { id: 'e1', from: 'hook', to: 'nap' },
      { id: 'e2', from: 'nap', to: 'call' },
    ],
  };
}

/** Webhook -> HTTP call -> transform. */
function callWorkflow(target: string) {
  return {
    id: 'crash-call',
    schemaVersion: 1,
    name: 'Crash test: side effect',
    nodes: [
      {
        id: 'hook',
        name: 'Hook',
        type: 'trigger.webhook',
        params: { path: 'call', method: 'POST' },
      },
      {
        id: 'call',
        name: 'Call',
        type: 'http.request',
        params: { method: 'POST', url: `${target}/effect`, body: '{{ $input.body }}' },
      },
      { id: 'after', name: 'After', type: 'transform.set', params: { fields: { after: true } } },
    ],
    edges: [
      { id: 'e1', from: 'hook', to: 'call' },
      { id: 'e2', from: 'call', to: 'after' },
    ],
  };
}

let server: ServerProcess | undefined;
let target: Awaited<ReturnType<typeof countingServer>> | undefined;
afterEach(async () => {
  await server?.cleanup();
  await target?.close();
  server = undefined;
  target = undefined;
});

interface StepRow {
  execution_id: string;
  key: string;
  status: string;
  attempt: number;
}

/** Starts a server that kills itself at `failpoint`, calls the side-effect webhook, and waits for the crash. */
async function crashAt(failpoint: string, body = '{"x":1}'): Promise<ServerProcess> {
  target = await countingServer();
  const crashing = new ServerProcess([callWorkflow(target.url)]);
  server = crashing;
  await crashing.start({ FLOWSTATE_TEST_FAILPOINT: failpoint });
  await fetch(`${crashing.url}/hooks/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  }).catch(() => undefined);
  await crashing.exited();
  expect(crashing.child?.signalCode, crashing.output).toBe('SIGKILL');
  return crashing;
}

/** Restarts without failpoints and waits for the one execution to succeed. */
async function restartAndFinish(s: ServerProcess): Promise<void> {
  await s.start();
  await eventually(
    () => s.query("SELECT 1 FROM executions WHERE status = 'succeeded'").length === 1,
    15_000,
    'the execution to finish',
  );
}

function assertJournalComplete(s: ServerProcess, expectedExecutions: number, keys: string[]): void {
  const executions = s.query<{ status: string; n: number }>(
    'SELECT status, count(*) AS n FROM executions GROUP BY status',
  );
  expect(executions).toEqual([{ status: 'succeeded', n: expectedExecutions }]);
  const steps = s.query<StepRow>('SELECT execution_id, key, status, attempt FROM steps');
  expect(steps.filter((step) => ['ready', 'running', 'waiting'].includes(step.status))).toEqual([]);
  // Exactly one recorded success per step: every node has one row per execution, succeeded.
  expect(steps).toHaveLength(expectedExecutions * keys.length);
  expect(new Set(steps.map((step) => `${step.execution_id}/${step.key}`)).size).toBe(steps.length);
  for (const step of steps) expect(step.status).toBe('succeeded');
}

describe('crash safety with real processes', () => {
  test('kill -9 mid-way through 200 sleeping executions: after a restart every one completes exactly once', async () => {
    target = await countingServer();
    server = new ServerProcess([sleeperWorkflow(target.url)]);
    await server.start();
    const started: string[] = [];
    const start = async (n: number) => {
      const res = await fetch(`${server!.url}/hooks/crash`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      });
      expect([200, 202]).toContain(res.status);
      started.push(((await res.json()) as { executionId?: string }).executionId ?? '');
    };
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => start(batch * 20 + i)));
      await sleep(200); // the first ones wake up and call out while later ones start
    }
    await server.kill9();
    const before = server.query<{ n: number }>(
      "SELECT count(*) AS n FROM executions WHERE status = 'succeeded'",
    )[0]!.n;
    expect(before).toBeLessThan(200);
    await server.start();
    await eventually(
      () =>
        server!.query<{ n: number }>(
          "SELECT count(*) AS n FROM executions WHERE status = 'succeeded'",
        )[0]!.n === 200,
      30_000,
      'all 200 executions to succeed after the restart',
    );
    assertJournalComplete(server, 200, ['hook', 'nap', 'call']);
    // At least once: every execution's side effect arrived, each under its stable key.
    expect(target.keys.size).toBe(200);
  });

  test('failpoint after the side effect, before the record: the step runs again with the same idempotency key', async () => {
    server = await crashAt('after-side-effect-before-record:call');
    expect(target!.keys.size).toBe(1);
    const [key] = [...target!.keys.keys()];
    expect(server.query<StepRow>("SELECT * FROM steps WHERE key = 'call'")[0]?.status).not.toBe(
      'succeeded',
    );
    await restartAndFinish(server);
    expect(target!.keys.get(key!)).toBe(2);
    assertJournalComplete(server, 1, ['hook', 'call', 'after']);
    expect(server.query<StepRow>("SELECT * FROM steps WHERE key = 'call'")[0]!.attempt).toBe(2);
  });

  test('failpoint after the commit: a recorded step never runs again', async () => {
    server = await crashAt('after-commit:call');
    expect(server.query<StepRow>("SELECT * FROM steps WHERE key = 'call'")[0]?.status).toBe(
      'succeeded',
    );
    await restartAndFinish(server);
    expect([...target!.keys.values()]).toEqual([1]);
    assertJournalComplete(server, 1, ['hook', 'call', 'after']);
  });

  test('a step that crashes its worker every time ends as a failed execution with a clear reason', async () => {
    const env = { FLOWSTATE_TEST_FAILPOINT: 'after-side-effect-before-record:call' };
    server = await crashAt(env.FLOWSTATE_TEST_FAILPOINT, '{}');
    let restarts = 0;
    for (; restarts < 8; restarts++) {
      await server.start(env);
      await sleep(1500);
      const failed = server.query<{ error: string }>(
        "SELECT error FROM executions WHERE status = 'failed'",
      );
      if (failed.length === 1) {
        expect(JSON.parse(failed[0]!.error)).toMatchObject({ code: 'WORKER_LOST' });
        expect(JSON.parse(failed[0]!.error).message).toMatch(
          /stopped during each of its 3 attempts/,
        );
        break;
      }
      await server.exited();
    }
    expect(restarts).toBeLessThan(8);
    expect(target!.keys.size).toBe(1);
    expect([...target!.keys.values()][0]).toBe(3);
  });
});
