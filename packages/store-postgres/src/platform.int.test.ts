import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import type { ExecutionChange, UserRecord } from '@flowstate/engine';
import { JOURNAL_MIGRATION } from './migrations-journal.js';
import { runMigrations } from './migrations.js';
import { PostgresStore } from './postgres-store.js';
import { makeTestStore, pgTestEnv, testDatabaseUrl } from './testing/pg-test-env.js';

const env = pgTestEnv();
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const definition = { schemaVersion: 1 as const, name: 'W', nodes: [], edges: [] };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `n` stores on one fresh schema, as `n` processes would have (each with its own pool). */
async function processes(n: number): Promise<{ stores: PostgresStore[]; schema: string }> {
  const made = await makeTestStore();
  cleanups.push(made.cleanup);
  const stores = [made.store];
  for (let i = 1; i < n; i++) {
    const store = new PostgresStore({ connectionString: testDatabaseUrl(), schema: made.schema });
    cleanups.push(() => store.close());
    stores.push(store);
  }
  return { stores, schema: made.schema };
}

/** Runs `sql` on a connection of its own in `schema`. */
async function raw(schema: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({
    connectionString: testDatabaseUrl(),
    options: `-c search_path=${schema}`,
  });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const user = (id: string, role: UserRecord['role'] = 'owner'): UserRecord => ({
  id,
  email: `${id}@example.com`,
  name: id,
  role,
  passwordHash: 'scrypt$x',
  disabled: false,
  createdAt: T0,
  updatedAt: T0,
});

/** A finished execution started by a tick of `wf/tick`. */
const tickStart = (id: string): ExecutionChange => ({
  expectSeq: 'new',
  execution: {
    id,
    workflowId: 'wf',
    workflowVersion: 1,
    status: 'succeeded',
    seq: 0,
    triggerNodeId: 'tick',
    input: {},
    depth: 0,
    createdAt: T0 + MINUTE,
    updatedAt: T0 + MINUTE,
    finishedAt: T0 + MINUTE,
  },
  steps: [],
  dedupeKey: `schedule:wf/tick:${T0 + MINUTE}`,
});

describe.skipIf(!env.available)('PostgresStore across processes', () => {
  test('the audit log refuses UPDATE, DELETE and TRUNCATE', async () => {
    const { stores, schema } = await processes(1);
    await stores[0]!.appendAudit({
      at: T0,
      actor: { type: 'cli', id: 'cli' },
      action: 'user.create',
      target: { type: 'user', id: 'u1' },
      summary: {},
    });
    for (const sql of [
      "UPDATE audit_log SET action = 'forged'",
      'DELETE FROM audit_log',
      'TRUNCATE audit_log',
    ]) {
      await expect(raw(schema, sql)).rejects.toThrow(/audit_log is append-only/);
    }
    expect(await stores[0]!.readAuditChain({ afterSeq: 0, limit: 10 })).toHaveLength(1);
  });

  test('appends of four processes at once keep one chain', async () => {
    const { stores } = await processes(4);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stores[i % 4]!.appendAudit({
          at: T0 + i,
          actor: { type: 'system', id: `p${i % 4}` },
          action: 'workflow.update',
          target: { type: 'workflow', id: `w${i}` },
          summary: { i },
        }),
      ),
    );
    const chain = await stores[0]!.readAuditChain({ afterSeq: 0, limit: 100 });
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.prevHash).toBe(chain[i - 1]!.hash);
  });

  test('one schedule tick committed by three processes at once fires once', async () => {
    const { stores } = await processes(3);
    const [a] = stores as [PostgresStore];
    await a.createWorkflow({ id: 'wf', definition, active: true, publish: true, now: T0 });
    await a.syncSchedules({
      workflowId: 'wf',
      version: 1,
      schedules: [
        {
          triggerNodeId: 'tick',
          cron: '* * * * *',
          timezone: 'UTC',
          catchUp: 'skip',
          catchUpLimit: 1,
          nextRunAt: T0 + MINUTE,
        },
      ],
      now: T0,
    });
    await a.claimDueSchedules({ owner: 's1', now: T0 + MINUTE, leaseMs: 5000, limit: 1 });
    // Each process believes it holds the lease (a stale scheduler): only the fence decides.
    const tick = {
      scheduleId: 'wf/tick',
      owner: 's1',
      expectVersion: 1,
      expectNextRunAt: T0 + MINUTE,
      nextRunAt: T0 + 2 * MINUTE,
      release: true,
    };
    const outcomes = await Promise.all(
      stores.map((store, i) => store.commit([{ ...tickStart(`e${i}`), scheduleTick: tick }])),
    );
    const statuses = outcomes.map(([o]) => o!.status).sort();
    expect(statuses).toEqual(['ok', 'schedule-changed', 'schedule-changed']);
    expect(await a.listExecutions({ limit: 10 })).toHaveLength(1);
    expect(await a.listSchedules()).toMatchObject([{ nextRunAt: T0 + 2 * MINUTE }]);
  });

  test('one dedupe key committed by three processes at once starts one execution', async () => {
    const { stores } = await processes(3);
    await stores[0]!.createWorkflow({ id: 'wf', definition, active: true, now: T0 });
    const outcomes = await Promise.all(
      stores.map((store, i) =>
        // The multi-row insert path (two new executions per batch) and the single path.
        store.commit(
          i === 0
            ? [tickStart('e0'), { ...tickStart('x0'), dedupeKey: undefined }]
            : [tickStart(`e${i}`)],
        ),
      ),
    );
    const all = outcomes.flat();
    const ok = all.filter((o) => o.status === 'ok');
    const duplicates = all.filter((o) => o.status === 'duplicate');
    expect(ok).toHaveLength(2); // x0 and the one that got the key
    expect(duplicates).toHaveLength(2);
    const winner = (await stores[0]!.listExecutions({ limit: 10 }))
      .map((e) => e.id)
      .filter((id) => id.startsWith('e'));
    expect(winner).toHaveLength(1);
    expect(duplicates).toEqual([
      { status: 'duplicate', executionId: winner[0] },
      { status: 'duplicate', executionId: winner[0] },
    ]);
  });

  test('first-user setup, idempotency keys and webhook deliveries hold across processes', async () => {
    const { stores } = await processes(3);
    const setups = await Promise.all(
      stores.map((store, i) => store.createUser({ user: user(`u${i}`), onlyIfNoUsers: true })),
    );
    expect(setups.map((s) => s.status).sort()).toEqual(['ok', 'users-exist', 'users-exist']);

    const claims = await Promise.all(
      stores.map((store) =>
        store.claimIdempotencyKey({
          scope: 'events',
          key: 'k',
          requestHash: 'h',
          now: T0,
          ttlMs: MINUTE,
          staleBefore: T0 - MINUTE,
        }),
      ),
    );
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);

    const deliveries = await Promise.all(
      stores.map((store) =>
        store.recordWebhookDelivery({ scope: 'hook', id: 'm1', now: T0, expiresAt: T0 + MINUTE }),
      ),
    );
    expect(deliveries.filter(Boolean)).toHaveLength(1);
  });

  test('demoting two owners at once from two processes leaves one enabled owner', async () => {
    const { stores } = await processes(2);
    await stores[0]!.createUser({ user: user('a') });
    await stores[0]!.createUser({ user: user('b') });
    const results = await Promise.all([
      stores[0]!.updateUser({ id: 'a', patch: { role: 'admin' }, now: T0 + 1 }),
      stores[1]!.updateUser({ id: 'b', patch: { disabled: true }, now: T0 + 1 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['last-owner', 'ok']);
    const owners = (await stores[0]!.listUsers()).filter((u) => u.role === 'owner' && !u.disabled);
    expect(owners).toHaveLength(1);
  });

  test('a schema at version 1 is upgraded: its current versions become published', async () => {
    const made = await makeTestStore();
    cleanups.push(made.cleanup);
    const schema = `${made.schema}_v1`;
    await raw(made.schema, `CREATE SCHEMA ${schema}`);
    cleanups.push(async () => {
      await raw(made.schema, `DROP SCHEMA ${schema} CASCADE`);
    });
    const client = new pg.Client({
      connectionString: testDatabaseUrl(),
      options: `-c search_path=${schema}`,
    });
    await client.connect();
    try {
      await runMigrations(client, { schema, migrations: [JOURNAL_MIGRATION] });
      await client.query(`INSERT INTO workflows VALUES ('old', 'Old', true, 2, ${T0}, ${T0 + 5})`);
    } finally {
      await client.end();
    }
    const store = await PostgresStore.connect({ connectionString: testDatabaseUrl(), schema });
    cleanups.push(() => store.close());
    expect(await store.getWorkflow('old')).toEqual({
      id: 'old',
      name: 'Old',
      active: true,
      draftVersion: 2,
      publishedVersion: 2,
      publishedAt: T0 + 5,
      createdAt: T0,
      updatedAt: T0 + 5,
    });
  });
});
