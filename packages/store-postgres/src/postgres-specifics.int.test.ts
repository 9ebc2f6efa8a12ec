import { afterEach, describe, expect, test } from 'vitest';
import type { ExecutionRecord, StepRecord } from '@flowstate/engine';
import type { Pool } from 'pg';
import { MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres-store.js';
import { CLAIM_SQL } from './step-leases.js';
import {
  createTestSchema,
  dropTestSchema,
  makeTestStore,
  pgTestEnv,
  testDatabaseUrl,
} from './testing/pg-test-env.js';

const pg = pgTestEnv();
const T0 = 1_700_000_000_000;
const workflow = { schemaVersion: 1 as const, name: 'W', nodes: [], edges: [] };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(options: Parameters<typeof makeTestStore>[0] = {}) {
  const made = await makeTestStore(options);
  cleanups.push(made.cleanup);
  await made.store.createWorkflow({ id: 'wf', definition: workflow, active: true, now: T0 });
  return made;
}

const execution = (id: string, input: unknown = {}): ExecutionRecord => ({
  id,
  workflowId: 'wf',
  workflowVersion: 1,
  status: 'running',
  seq: 0,
  triggerNodeId: 't',
  input: input as never,
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

describe.skipIf(!pg.available)('PostgresStore specifics', () => {
  test('an execution finished in its first commit is one row until it changes again', async () => {
    const { store, schema } = await fresh();
    const input = { body: { n: 1 } };
    const done = (key: string, extra: Partial<StepRecord> = {}) =>
      step('e1', key, { status: 'succeeded', attempt: 1, runAt: undefined, ...extra });
    const steps = [
      done('t', { output: input }),
      done('a', { input, output: { n: 2 }, durationMs: 0.5 }),
      done('b', {
        status: 'failed',
        error: { name: 'E', code: 'X', message: 'm', retriable: false },
      }),
      done('c', { status: 'skipped', attempt: 0 }),
    ];
    const finished = { ...execution('e1', input), status: 'failed' as const, finishedAt: T0 };
    expect(
      await store.commit([
        { expectSeq: 'new', execution: finished, steps: steps.map((s) => ({ step: s })) },
      ]),
    ).toEqual([{ status: 'ok', seq: 1 }]);
    expect(await rawQuery(schema, 'SELECT count(*)::int AS n FROM steps')).toEqual([{ n: 0 }]);
    expect(await rawQuery(schema, 'SELECT steps_summary FROM executions')).toEqual([
      { steps_summary: JSON.stringify({ succeeded: 2, failed: 1, skipped: 1 }) },
    ]);
    expect((await store.loadExecution('e1'))?.steps).toEqual(steps);
    expect(await store.countSteps({ executionId: 'e1' })).toMatchObject({
      succeeded: 2,
      failed: 1,
      skipped: 1,
    });
    expect(await store.countSteps()).toMatchObject({ succeeded: 2, failed: 1, skipped: 1 });

    // A retry changes it: its steps become rows first, then the change applies to them.
    const retried = step('e1', 'b', { status: 'ready', attempt: 1 });
    expect(
      await store.commit([
        { expectSeq: 1, execution: { ...finished, status: 'running' }, steps: [{ step: retried }] },
      ]),
    ).toEqual([{ status: 'ok', seq: 2 }]);
    expect(await rawQuery(schema, 'SELECT count(*)::int AS n FROM steps')).toEqual([{ n: 4 }]);
    expect(await rawQuery(schema, 'SELECT steps_json, steps_summary FROM executions')).toEqual([
      { steps_json: null, steps_summary: null },
    ]);
    const loaded = await store.loadExecution('e1');
    expect(loaded?.steps).toEqual([steps[0], steps[1], retried, steps[3]]);
    expect(await store.countSteps()).toMatchObject({ succeeded: 2, ready: 1, skipped: 1 });
  });

  test('payloads above the threshold live in blobs, which are deleted with their last reference', async () => {
    const { store } = await fresh({ blobThresholdBytes: 100 });
    const big = { text: 'x'.repeat(200) };
    const a = step('e1', 'a', { input: big, output: big });
    await store.commit([
      { expectSeq: 'new', execution: execution('e1', big), steps: [{ step: a }] },
    ]);
    expect(await store.countBlobs()).toBe(3);
    expect((await store.loadExecution('e1'))?.steps[0]?.input).toEqual(big);
    const [claimed] = await store.claimSteps({ owner: 'w1', now: T0, leaseMs: 100, limit: 1 });
    expect(claimed?.step.output).toEqual(big);
    await store.commit([
      { expectSeq: 1, execution: execution('e1', 'small'), steps: [{ step: { ...a, output: 1 } }] },
    ]);
    expect(await store.countBlobs()).toBe(1);
    const fenced = await store.commit([
      {
        expectSeq: 2,
        execution: execution('e1', big),
        steps: [{ step: { ...a, output: big }, expectLeaseOwner: 'nobody' }],
      },
    ]);
    expect(fenced).toEqual([{ status: 'fenced', stepKey: 'a' }]);
    const conflict = await store.commit([
      { expectSeq: 'new', execution: execution('e1', big), steps: [] },
    ]);
    expect(conflict).toEqual([{ status: 'conflict' }]);
    expect(await store.countBlobs()).toBe(1);
    await store.commit([
      { expectSeq: 2, execution: { ...execution('e1', 'small'), status: 'succeeded' }, steps: [] },
    ]);
    expect(await store.deleteWorkflow('wf')).toBe(true);
    expect(await store.countBlobs()).toBe(0);
  });

  test('a change that fails unexpectedly rolls back alone (savepoint) and is reported with the others committed', async () => {
    const { store } = await fresh();
    const late = step('good', 'a', { status: 'succeeded', attempt: 1 });
    const outcome = store.commit([
      { expectSeq: 'new', execution: execution('good'), steps: [] },
      { expectSeq: 'new', execution: { ...execution('bad'), workflowId: 'no-such' }, steps: [] },
      {
        expectSeq: 1,
        execution: execution('good'),
        steps: [{ step: late, expectLeaseOwner: 'w1' }],
      },
      { expectSeq: 1, execution: execution('good'), steps: [{ step: { ...late, key: 'b' } }] },
      { expectSeq: 2, execution: execution('good'), steps: [{ step: step('other', 'x') }] },
    ]);
    await expect(outcome).rejects.toMatchObject({
      name: 'StoreCommitError',
      code: 'STORE_COMMIT_FAILED',
      outcomes: [
        { status: 'ok', seq: 1 },
        { status: 'error', error: { message: expect.stringContaining('foreign key') } },
        { status: 'fenced', stepKey: 'a' },
        { status: 'ok', seq: 2 },
        { status: 'error', error: { code: 'STORE_INVALID_CHANGE' } },
      ],
    });
    expect((await store.loadExecution('good'))?.steps.map((s) => s.key)).toEqual(['b']);
    expect(await store.getExecution('bad')).toBeUndefined();
  });

  test('executions created by one batch are inserted together; a taken id conflicts alone', async () => {
    const { store } = await fresh({ blobThresholdBytes: 100 });
    const big = { text: 'y'.repeat(200) };
    await store.commit([{ expectSeq: 'new', execution: execution('taken'), steps: [] }]);
    const waiting = step('n1', 'w', { status: 'waiting', runAt: undefined });
    const outcomes = await store.commit([
      {
        expectSeq: 'new',
        execution: execution('n1', big),
        steps: [{ step: waiting }, { step: step('n1', 'a', { output: big }) }],
        addWaits: [
          { executionId: 'n1', stepKey: 'w', eventName: 'ev', correlationKey: 'k', createdAt: T0 },
        ],
      },
      {
        expectSeq: 'new',
        execution: execution('taken', big),
        steps: [{ step: step('taken', 'x') }],
      },
      { expectSeq: 'new', execution: execution('n2'), steps: [{ step: step('n2', 'a') }] },
      { expectSeq: 'new', execution: execution('n2'), steps: [] },
    ]);
    expect(outcomes).toEqual([
      { status: 'ok', seq: 1 },
      { status: 'conflict' },
      { status: 'ok', seq: 1 },
      { status: 'conflict' },
    ]);
    expect(await store.countBlobs()).toBe(2);
    expect((await store.loadExecution('n1'))?.steps).toEqual([
      waiting,
      step('n1', 'a', { output: big }),
    ]);
    expect((await store.loadExecution('taken'))?.steps).toEqual([]);
    expect(await store.findWaits({ eventName: 'ev', correlationKey: 'k' })).toHaveLength(1);
  });

  test('bigint times and fractional durations come back as numbers', async () => {
    const { store } = await fresh();
    const s = step('e1', 'a', { durationMs: 1.234, startedAt: T0 + 1, finishedAt: T0 + 2 });
    await store.commit([{ expectSeq: 'new', execution: execution('e1'), steps: [{ step: s }] }]);
    const loaded = await store.loadExecution('e1');
    expect(loaded?.steps[0]).toEqual(s);
    expect(typeof loaded?.execution.createdAt).toBe('number');
    expect(await store.countSteps()).toMatchObject({ ready: 1 });
  });

  test('concurrent claims never hand out a step twice nor more than the limit', async () => {
    const { store, schema } = await fresh();
    const steps = Array.from({ length: 60 }, (_, i) => step('e1', `s${i}`, { runAt: T0 + i }));
    await store.commit([
      { expectSeq: 'new', execution: execution('e1'), steps: steps.map((s) => ({ step: s })) },
    ]);
    const others = await Promise.all(
      [1, 2, 3].map(async () => {
        const other = new PostgresStore({ connectionString: testDatabaseUrl(), schema });
        cleanups.push(() => other.close());
        return other;
      }),
    );
    const claims = await Promise.all(
      [store, ...others].flatMap((s, w) =>
        [0, 1].map((round) =>
          s.claimSteps({ owner: `w${w}-${round}`, now: T0 + 100, leaseMs: 1000, limit: 7 }),
        ),
      ),
    );
    for (const claim of claims) expect(claim.length).toBeLessThanOrEqual(7);
    const keys = claims.flat().map((c) => c.step.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(56);
    expect(CLAIM_SQL).toMatch(
      /WITH c AS MATERIALIZED \([\s\S]*LIMIT \$2\s+FOR UPDATE OF s SKIP LOCKED\s*\)/,
    );
  });

  test('batches changing the same executions in opposite orders do not deadlock', async () => {
    const { store, schema } = await fresh();
    const other = new PostgresStore({ connectionString: testDatabaseUrl(), schema });
    cleanups.push(() => other.close());
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    await store.commit(
      ids.map((id) => ({ expectSeq: 'new', execution: execution(id), steps: [] })),
    );
    const batch = (order: string[], n: number) =>
      order.map((id) => ({
        expectSeq: 1,
        execution: { ...execution(id), updatedAt: T0 + n },
        steps: [{ step: step(id, `k${n}`) }],
      }));
    const [a, b] = await Promise.all([
      store.commit(batch(ids, 1)),
      other.commit(batch([...ids].reverse(), 2)),
    ]);
    // Each execution was changed by exactly one of the two batches.
    ids.forEach((_, i) => {
      const statuses = [a[i]!.status, b[ids.length - 1 - i]!.status].sort();
      expect(statuses).toEqual(['conflict', 'ok']);
    });
  });

  test('several stores migrate one fresh schema at once (advisory lock)', async () => {
    const schema = await createTestSchema();
    await dropTestSchema(schema); // a name nobody uses: the stores create the schema themselves
    cleanups.push(() => dropTestSchema(schema));
    const stores = [1, 2, 3, 4].map(
      () => new PostgresStore({ connectionString: testDatabaseUrl(), schema, poolSize: 1 }),
    );
    cleanups.push(async () => {
      for (const s of stores) await s.close();
    });
    await Promise.all(stores.map((s) => s.migrate()));
    await stores[0]!.migrate();
    await stores[1]!.createWorkflow({ id: 'wf', definition: workflow, active: true, now: T0 });
    expect((await stores[3]!.listWorkflows()).map((w) => w.id)).toEqual(['wf']);
    const versions = await rawQuery(schema, 'SELECT version FROM schema_migrations ORDER BY 1');
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  });

  test('a session frozen inside a transaction is ended by the server, releasing its row locks', async () => {
    const { store, schema } = await fresh({ idleInTransactionTimeoutMs: 300 });
    await store.commit([
      { expectSeq: 'new', execution: execution('e1'), steps: [{ step: step('e1', 'a') }] },
    ]);
    // A connection of the store that locks the execution and then does nothing (a process
    // paused mid-commit); the pool is internal, reached here on purpose.
    const pool = (store as unknown as { pool: Pool }).pool;
    const frozen = await pool.connect();
    const ended = new Promise<Error>((resolve) => frozen.once('error', resolve));
    await frozen.query('BEGIN');
    await frozen.query("SELECT 1 FROM executions WHERE id = 'e1' FOR UPDATE");
    // Another process's write to the same row waits, then goes through once the session ends.
    const other = await makeTestStore({ schema });
    cleanups.push(() => other.store.close());
    const written = other.store.commit([
      { expectSeq: 1, execution: { ...execution('e1'), status: 'succeeded' }, steps: [] },
    ]);
    expect((await ended).message).toMatch(/idle-in-transaction timeout/);
    frozen.release(true);
    expect(await written).toEqual([{ status: 'ok', seq: 2 }]);
    expect((await store.getExecution('e1'))?.status).toBe('succeeded');
  });

  test('connect() names the unreachable server without its password', async () => {
    await expect(
      PostgresStore.connect({
        connectionString: 'postgres://flow:s3cret@127.0.0.1:1/none',
        connectTimeoutMs: 2000,
      }),
    ).rejects.toMatchObject({
      code: 'DATABASE_UNREACHABLE',
      message: expect.stringMatching(
        /^Cannot use PostgreSQL at postgres:\/\/flow:\*\*\*@127\.0\.0\.1:1\/none: /,
      ),
    });
    expect(
      () => new PostgresStore({ connectionString: testDatabaseUrl(), schema: 'bad; drop' }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => new PostgresStore({ connectionString: testDatabaseUrl(), poolSize: 0 })).toThrow(
      /poolSize must be a positive integer, got 0/,
    );
  });
});

/** Runs one query on a schema through a plain connection. */
async function rawQuery(schema: string, sql: string): Promise<unknown[]> {
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({
    connectionString: testDatabaseUrl(),
    options: `-c search_path=${schema}`,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
