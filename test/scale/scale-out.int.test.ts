import { afterEach, describe, expect, test } from 'vitest';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from '@flowstate/store-postgres/testing';
import { w2 } from '../../bench/workflows.mjs';
import { eventually, ServerProcess } from '../server-process.js';
import {
  gateServer,
  JournalReader,
  postgresRestartEnabled,
  restartPostgres,
  submitAll,
  type Gate,
} from './scale-helpers.js';

const env = pgTestEnv();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/**
 * Short, so that a paused worker loses its steps within the test (renewed every 3.3 s), yet
 * long enough for workers starved of CPU on a busy machine: with 3 s, the survivor's own leases
 * lapsed so often that held calls ran out of attempts (WORKER_LOST).
 */
const LEASE_MS = 10_000;
const W2_EXECUTIONS = 2000;
const SLEEPERS = 200;

/** Webhook -> wait 1-2 s -> sub-workflow (`scale-child`) -> its result (4 steps). */
const sleeper = {
  id: 'scale-sleeper',
  schemaVersion: 1,
  name: 'Scale: sleeper calling a child',
  nodes: [
    { id: 'hook', name: 'Hook', type: 'trigger.webhook', params: { path: 'scale-sleeper' } },
    {
      id: 'nap',
      name: 'Nap',
      type: 'wait.delay',
      params: { durationMs: '{{ 1000 + ($input.body.n % 11) * 100 }}' },
    },
    { id: 'call', name: 'Call', type: 'flow.call', params: { workflowId: 'scale-child' } },
    {
      id: 'after',
      name: 'After',
      type: 'transform.set',
      params: { keepInput: false, fields: { n: '{{ $input.n }}' } },
    },
  ],
  edges: [
    { id: 'e1', from: 'hook', to: 'nap' },
    { id: 'e2', from: 'nap', to: 'call' },
    { id: 'e3', from: 'call', to: 'after' },
  ],
};

/** Manual start -> HTTP call to the gate (a side effect) -> the echoed n (3 steps). */
function child(gate: Gate) {
  return {
    id: 'scale-child',
    schemaVersion: 1,
    name: 'Scale: child calling out',
    nodes: [
      { id: 'start', name: 'Start', type: 'trigger.manual', params: {} },
      {
        id: 'fetch',
        name: 'Fetch',
        type: 'http.request',
        // The gate may hold the call for a while: longer than the default 30 s timeout.
        params: {
          method: 'POST',
          url: `${gate.url}/fetch`,
          body: '{{ $input.body }}',
          timeoutMs: 120_000,
        },
      },
      {
        id: 'shape',
        name: 'Shape',
        type: 'transform.set',
        params: { keepInput: false, fields: { n: '{{ $input.body.echo.n }}' } },
      },
    ],
    edges: [
      { id: 'e1', from: 'start', to: 'fetch' },
      { id: 'e2', from: 'fetch', to: 'shape' },
    ],
  };
}

/** A fresh schema and the environment every process of one test shares. */
async function cluster() {
  const schema = await createTestSchema();
  cleanups.push(() => dropTestSchema(schema));
  const databaseUrl = databaseUrlWithSchema(schema);
  const journal = new JournalReader(databaseUrl);
  cleanups.push(() => journal.close());
  const shared = {
    DATABASE_URL: databaseUrl,
    FLOWSTATE_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
    FLOWSTATE_LEASE_MS: String(LEASE_MS),
    FLOWSTATE_DB_POOL_SIZE: '8',
    FLOWSTATE_SHUTDOWN_GRACE_MS: '500',
  };
  const spawn = async (
    workflows: Array<Record<string, unknown> & { id: string }>,
    extra: Record<string, string>,
    command: 'start' | 'worker' = 'start',
  ) => {
    const proc = new ServerProcess(workflows);
    cleanups.push(() => proc.cleanup());
    await proc.start({ ...shared, ...extra }, command);
    return proc;
  };
  return { journal, shared, spawn };
}

describe.skipIf(!env.available)('scale-out on PostgreSQL with real processes', () => {
  test('one API and three workers: 2,200 executions all finish exactly once through kill -9, a paused worker and a database restart', async () => {
    const { journal, spawn } = await cluster();
    const gate = await gateServer();
    cleanups.push(() => gate.close());
    const api = await spawn([w2, sleeper, child(gate)], { FLOWSTATE_ROLE: 'api' });
    const workers = [
      await spawn([], {}, 'worker'),
      await spawn([], {}, 'worker'),
      await spawn([], {}, 'worker'),
    ];
    const exists = (workflowId: string) => async (n: number) =>
      (await journal.count(
        `SELECT count(*) FROM executions WHERE workflow_id = $1 AND input::jsonb #>> '{body,n}' = $2`,
        [workflowId, String(n)],
      )) > 0;

    // 200 sleepers: after their nap each calls a child whose HTTP call the closed gate holds.
    await submitAll({
      url: `${api.url}/hooks/scale-sleeper`,
      from: 0,
      to: SLEEPERS,
      body: {},
      concurrency: 10,
      exists: exists('scale-sleeper'),
    });
    const firstHalf = submitAll({
      url: `${api.url}/hooks/bench-w2`,
      from: 0,
      to: W2_EXECUTIONS / 2,
      body: { count: 0 },
      concurrency: 12,
      exists: exists('bench-w2'),
    });
    // Half of W2 runs while the children's calls pile up at the gate.
    await firstHalf;

    // Every worker holds some of the children's calls: whichever is paused has work in flight.
    const heldBy = async () =>
      journal.query<{ execution_id: string; lease_owner: string }>(
        `SELECT execution_id, lease_owner FROM steps WHERE key = 'fetch' AND status = 'running'`,
      );
    let before: Array<{ execution_id: string; lease_owner: string }> = [];
    await eventually(
      async () => {
        before = await heldBy();
        return new Set(before.map((row) => row.lease_owner)).size === 3;
      },
      60_000,
      'each of the three workers to hold a call at the gate',
    );
    const [killed, paused] = [workers[0]!, workers[1]!];
    await killed.kill9();
    paused.pause();

    // The live worker takes over the calls of both after their leases expire: each is journaled
    // as running again under its lease (a new attempt) before it is made, while the gate holds
    // the calls.
    const heldAfter = async () =>
      journal.query<{ execution_id: string; lease_owner: string; attempt: number }>(
        `SELECT execution_id, lease_owner, attempt FROM steps
         WHERE key = 'fetch' AND status = 'running'`,
      );
    const taken: Array<{ execution_id: string; from: string }> = [];
    await eventually(
      async () => {
        const now = new Map((await heldAfter()).map((row) => [row.execution_id, row]));
        taken.length = 0;
        for (const row of before) {
          const after = now.get(row.execution_id);
          if (after && after.attempt >= 2 && after.lease_owner !== row.lease_owner) {
            taken.push({ execution_id: row.execution_id, from: row.lease_owner });
          }
        }
        // Calls of both stopped workers were taken over (there are three owners before).
        return new Set(taken.map((row) => row.from)).size === 2;
      },
      120_000,
      'the surviving worker to take over calls of the killed and of the paused worker',
    ).catch(async (error: unknown) => {
      const fetchSteps = await journal.query(
        `SELECT lease_owner, status, attempt, count(*)::int AS n FROM steps
         WHERE key = 'fetch' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      const logs = workers.map((w) => w.output.slice(-3000)).join('\n---\n');
      throw new Error(
        `${(error as Error).message}\nfetch steps now: ${JSON.stringify(fetchSteps)}\n` +
          `before: ${JSON.stringify(before.map((row) => row.lease_owner))}\nworker logs:\n${logs}`,
        { cause: error },
      );
    });
    const takenOver = new Set(taken.map((row) => row.execution_id));
    expect(takenOver.size).toBeGreaterThan(0);

    // The gate answers everyone, the paused worker too (its answers wait in its sockets).
    gate.open();
    // The paused worker wakes up, finishes the calls it made long ago and tries to record them:
    // refused, since their leases (and the executions) moved on.
    paused.resume();
    let refused: string[] = [];
    await eventually(
      () => {
        refused = paused
          .logLines('commit refused; dropping the execution from this worker')
          .filter((line) => ['fenced', 'conflict'].includes(statusOf(line.outcome)))
          .map((line) => String(line.executionId))
          .filter((id) => takenOver.has(id));
        return refused.length > 0;
      },
      30_000,
      'the paused worker to try to record a call whose lease it lost',
    );
    await eventually(
      async () =>
        (await journal.count(
          `SELECT count(DISTINCT parent_execution_id) FROM executions
           WHERE workflow_id = 'scale-child' AND status = 'succeeded'`,
        )) === SLEEPERS,
      120_000,
      'a child of every sleeper to finish',
    ).catch(async (error: unknown) => {
      const open = await journal.query(
        `SELECT e.workflow_id, e.status, s.key, s.status AS step, s.attempt,
           s.lease_owner IS NOT NULL AS leased,
           (s.claim_at - (extract(epoch FROM now()) * 1000)::bigint) / 1000 AS due_in_s,
           count(*)::int AS n
         FROM executions e LEFT JOIN steps s ON s.execution_id = e.id
           AND s.status NOT IN ('succeeded', 'skipped')
         WHERE e.workflow_id <> 'bench-w2' AND e.status <> 'succeeded'
         GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 3, 4`,
      );
      const logs = workers.map((w) => w.output.slice(-3000)).join('\n---\n');
      throw new Error(
        `${(error as Error).message}\nunfinished: ${JSON.stringify(open)}\nworker logs:\n${logs}`,
        { cause: error },
      );
    });
    // The journal kept another worker's result: one success, of a later attempt (the survivor's,
    // or a third if a loaded worker lost a lease again), and the call was made more than once.
    const fetches = await journal.query<{ status: string; attempt: number }>(
      `SELECT status, attempt FROM steps WHERE key = 'fetch' AND execution_id = ANY($1)`,
      [refused],
    );
    expect(fetches.length).toBe(refused.length);
    for (const fetch of fetches) {
      expect(fetch.status).toBe('succeeded');
      expect(fetch.attempt).toBeGreaterThanOrEqual(2);
    }
    for (const id of refused) expect(gate.keys.get(`${id}:fetch`)).toBeGreaterThanOrEqual(2);

    // A new worker replaces the killed one; the database restarts under the second half.
    workers[0] = await spawn([], {}, 'worker');
    let restarted: Promise<void> | undefined;
    if (!postgresRestartEnabled()) {
      console.info(
        'PostgreSQL restart skipped: set FLOWSTATE_TEST_PG_RESTART=1 (CI does) to run it',
      );
    }
    await submitAll({
      url: `${api.url}/hooks/bench-w2`,
      from: W2_EXECUTIONS / 2,
      to: W2_EXECUTIONS,
      body: { count: 0 },
      concurrency: 12,
      exists: exists('bench-w2'),
      onAccepted: (accepted) => {
        if (accepted !== 300 || !postgresRestartEnabled()) return;
        restarted = restartPostgres();
        restarted.catch(() => undefined); // awaited below
      },
    });
    await restarted;
    // Still serving after all this: the API process answers a synchronous W2 call.
    const res = await fetch(`${api.url}/hooks/bench-w2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 0, n: W2_EXECUTIONS }),
    });
    expect([200, 202]).toContain(res.status);

    await eventually(
      async () =>
        (await journal.count(
          `SELECT count(*) FROM executions WHERE status NOT IN ('succeeded', 'failed', 'cancelled')`,
        )) === 0,
      120_000,
      'every execution to finish',
    );
    await assertJournalComplete(journal);
  }, 360_000);

  test('three processes share an every-second schedule for two minutes: each tick fires once, none is missed', async () => {
    const { journal, spawn } = await cluster();
    const ticker = {
      id: 'scale-ticker',
      schemaVersion: 1,
      name: 'Scale: every second',
      nodes: [
        {
          id: 'tick',
          name: 'Tick',
          type: 'trigger.schedule',
          params: { cron: '* * * * * *', timezone: 'UTC' },
        },
        {
          id: 'note',
          name: 'Note',
          type: 'transform.set',
          params: { fields: { noted: true } },
        },
      ],
      edges: [{ id: 'e1', from: 'tick', to: 'note' }],
    };
    const processes = [await spawn([ticker], {}), await spawn([], {}), await spawn([], {})];
    const ticks = () =>
      journal.query<{ scheduled_at: string }>(
        `SELECT input::jsonb ->> 'scheduledAt' AS scheduled_at FROM executions
         WHERE workflow_id = 'scale-ticker' ORDER BY 1`,
      );
    // Two minutes of ticks; one process is killed half-way and started again.
    await eventually(async () => (await ticks()).length >= 60, 90_000, 'a minute of ticks');
    await processes[2]!.kill9();
    await processes[2]!.start();
    await eventually(async () => (await ticks()).length >= 120, 90_000, 'two minutes of ticks');
    for (const proc of processes) await proc.stop();
    // Any tick a scheduler gave up on says why in its log (shown if the check below fails).
    const complaints = processes
      .flatMap((proc) => proc.output.split('\n'))
      .filter((line) => line.includes('"level":50') || line.includes('schedule'))
      .join('\n');

    const recorded = (await ticks()).map((tick) => Date.parse(tick.scheduled_at));
    // The window: from the first recorded tick to the last, one tick per second.
    const first = recorded[0]!;
    const last = recorded.at(-1)!;
    const expected = Array.from({ length: (last - first) / 1000 + 1 }, (_, i) => first + i * 1000);
    expect(new Set(recorded).size, complaints).toBe(recorded.length); // no duplicates
    expect(recorded, complaints).toEqual(expected); // no gaps
    expect(recorded.length).toBeGreaterThanOrEqual(120);
  }, 300_000);
});

/** Every execution succeeded once, with one row per step, all succeeded, nothing left open. */
async function assertJournalComplete(journal: JournalReader): Promise<void> {
  const byWorkflow = await journal.query<{ workflow_id: string; status: string; n: number }>(
    `SELECT workflow_id, status, count(*)::int AS n FROM executions
     GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  // A child is started by its parent's `flow.call` step: a step taken over after a lost lease
  // runs again and starts another child (at least once, like any side effect): never more
  // children than attempts. Every child ran to its end.
  const children = await journal.count(
    `SELECT count(*) FROM executions WHERE workflow_id = 'scale-child'`,
  );
  expect(byWorkflow).toEqual([
    { workflow_id: 'bench-w2', status: 'succeeded', n: W2_EXECUTIONS + 1 },
    { workflow_id: 'scale-child', status: 'succeeded', n: children },
    { workflow_id: 'scale-sleeper', status: 'succeeded', n: SLEEPERS },
  ]);
  const calls = await journal.query<{ attempt: number; children: number }>(
    `SELECT s.attempt, count(c.id)::int AS children
     FROM executions p JOIN steps s ON s.execution_id = p.id AND s.key = 'call'
     LEFT JOIN executions c ON c.parent_execution_id = p.id
     WHERE p.workflow_id = 'scale-sleeper' GROUP BY p.id, s.attempt`,
  );
  expect(calls).toHaveLength(SLEEPERS);
  for (const call of calls) {
    expect(call.children).toBeGreaterThanOrEqual(1);
    expect(call.children).toBeLessThanOrEqual(call.attempt);
  }
  // One execution per submitted n (no call started two).
  expect(
    await journal.count(
      `SELECT count(DISTINCT input::jsonb #>> '{body,n}') FROM executions
       WHERE workflow_id = 'bench-w2'`,
    ),
  ).toBe(W2_EXECUTIONS + 1);
  // One row per step of each execution (the primary key forbids two), every one succeeded.
  const steps = await journal.query<{ workflow_id: string; status: string; n: number }>(
    `SELECT e.workflow_id, s.status, count(*)::int AS n FROM steps s
     JOIN executions e ON e.id = s.execution_id GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  expect(steps).toEqual([
    { workflow_id: 'bench-w2', status: 'succeeded', n: (W2_EXECUTIONS + 1) * 11 },
    { workflow_id: 'scale-child', status: 'succeeded', n: children * 3 },
    { workflow_id: 'scale-sleeper', status: 'succeeded', n: SLEEPERS * 4 },
  ]);
  // Results are right: W2 counted to 10, each sleeper got its own n back through its child.
  expect(
    await journal.count(
      `SELECT count(*) FROM executions WHERE workflow_id = 'bench-w2'
       AND output::jsonb = '{"count": 10}'::jsonb`,
    ),
  ).toBe(W2_EXECUTIONS + 1);
  expect(
    await journal.count(
      `SELECT count(*) FROM executions WHERE workflow_id = 'scale-sleeper'
       AND output::jsonb -> 'n' = input::jsonb #> '{body,n}'`,
    ),
  ).toBe(SLEEPERS);
  // Nothing stuck: no open wait, no lease left on a step.
  expect(await journal.count('SELECT count(*) FROM waits')).toBe(0);
  expect(await journal.count('SELECT count(*) FROM steps WHERE lease_owner IS NOT NULL')).toBe(0);
}

function statusOf(outcome: unknown): string {
  return String((outcome as { status?: unknown } | null)?.status);
}
