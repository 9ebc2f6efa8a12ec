import { afterEach, describe, expect, test } from 'vitest';
import type { ExecutionRecord, StepRecord } from '@flowstate/engine';
import { PostgresStore } from './postgres-store.js';
import { makeTestStore, pgTestEnv, testDatabaseUrl } from './testing/pg-test-env.js';

const pg = pgTestEnv();
const T0 = 1_700_000_000_000;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const execution = (id: string): ExecutionRecord => ({
  id,
  workflowId: 'wf',
  workflowVersion: 1,
  status: 'running',
  seq: 0,
  triggerNodeId: 't',
  input: {},
  depth: 0,
  createdAt: T0,
  updatedAt: T0,
});

const step = (executionId: string, key: string, extra: Partial<StepRecord> = {}): StepRecord => ({
  executionId,
  key,
  nodeId: key,
  status: 'ready',
  attempt: 0,
  runAt: T0,
  ...extra,
});

/** Two stores on one fresh schema, as two processes would have; `a` records its wake-ups. */
async function twoProcesses(options: { applicationName?: string } = {}) {
  const made = await makeTestStore(options);
  cleanups.push(made.cleanup);
  const a = made.store;
  const b = new PostgresStore({ connectionString: testDatabaseUrl(), schema: made.schema });
  cleanups.push(() => b.close());
  await a.createWorkflow({
    id: 'wf',
    definition: { schemaVersion: 1, name: 'W', nodes: [], edges: [] },
    active: true,
    now: T0,
  });
  const woken: Array<number | undefined> = [];
  const waiters: Array<() => void> = [];
  const unsubscribe = a.subscribeWake((dueAt) => {
    woken.push(dueAt);
    for (const resolve of waiters.splice(0)) resolve();
  });
  await a.wakeReady();
  /** Resolves once `a` has been woken `n` times in all. */
  const wokenTimes = async (n: number) => {
    while (woken.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { a, b, schema: made.schema, woken, wokenTimes, unsubscribe };
}

describe.skipIf(!pg.available)('PostgresStore LISTEN/NOTIFY wake-ups', () => {
  test('a commit of claimable steps wakes the other stores, not itself nor for leased steps', async () => {
    const { a, b, woken, wokenTimes } = await twoProcesses();
    // Its own commit, and a commit whose ready step is leased to its writer: no wake-up.
    await a.commit([
      { expectSeq: 'new', execution: execution('own'), steps: [{ step: step('own', 'x') }] },
    ]);
    const leased = step('e1', 'a', { leaseOwner: 'w-b', leaseExpiresAt: T0 + 1000 });
    await b.commit([{ expectSeq: 'new', execution: execution('e1'), steps: [{ step: leased }] }]);
    // A retry due later and a timed wait: woken once, with the earliest due time.
    await b.commit([
      {
        expectSeq: 1,
        execution: execution('e1'),
        steps: [
          { step: step('e1', 'retry', { runAt: T0 + 700 }) },
          { step: step('e1', 'timer', { status: 'waiting', runAt: T0 + 500 }) },
          { step: step('e1', 'event', { status: 'waiting', runAt: undefined }) },
        ],
      },
    ]);
    await wokenTimes(1);
    // Released leases are claimable at once.
    await b.releaseLeases('w-b');
    await wokenTimes(2);
    expect(woken).toEqual([T0 + 500, 0]);
  });

  test('a refused change wakes nobody; another schema is not woken', async () => {
    const first = await twoProcesses();
    const second = await twoProcesses();
    await first.b.commit([
      { expectSeq: 7, execution: execution('nope'), steps: [{ step: step('nope', 'a') }] },
    ]);
    await first.b.commit([
      { expectSeq: 'new', execution: execution('e1'), steps: [{ step: step('e1', 'a') }] },
    ]);
    await first.wokenTimes(1);
    await second.b.commit([
      { expectSeq: 'new', execution: execution('e2'), steps: [{ step: step('e2', 'a') }] },
    ]);
    await second.wokenTimes(1);
    expect(first.woken).toEqual([T0]);
    expect(second.woken).toEqual([T0]);
  });

  test('after its connection is lost, the listener reconnects and wakes its subscribers', async () => {
    const applicationName = `flowstate-wake-${Math.random().toString(36).slice(2, 10)}`;
    const { a, b, woken, wokenTimes, unsubscribe } = await twoProcesses({ applicationName });
    await killListener(applicationName);
    await wokenTimes(1);
    expect(woken).toEqual([undefined]);
    await b.commit([
      { expectSeq: 'new', execution: execution('e1'), steps: [{ step: step('e1', 'a') }] },
    ]);
    await wokenTimes(2);
    expect(woken).toEqual([undefined, T0]);
    unsubscribe();
    const later = new Promise<number | undefined>((resolve) => a.subscribeWake(resolve));
    await b.commit([
      { expectSeq: 'new', execution: execution('e2'), steps: [{ step: step('e2', 'a') }] },
    ]);
    expect(await later).toBe(T0);
    expect(woken).toHaveLength(2);
  });
});

/** Terminates the LISTEN connection of the store whose application name is given. */
async function killListener(applicationName: string): Promise<void> {
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = $1 AND query LIKE 'LISTEN%'`,
      [applicationName],
    );
    expect(rowCount).toBe(1);
  } finally {
    await client.end();
  }
}
