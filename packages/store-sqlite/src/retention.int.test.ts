import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { pruneExecutions, type ExecutionChange } from '@flowstate/engine';
import { MIGRATIONS, runMigrations } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-retention-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const workflow = {
  schemaVersion: 1 as const,
  name: 'W',
  nodes: [{ id: 't', type: 'trigger.manual', name: 'T', params: {} }],
  edges: [],
};

/** A finished execution with two steps; every fifth one carries a payload large enough for a blob. */
function finished(id: string, finishedAt: number, index: number): ExecutionChange {
  const payload = { text: 'x'.repeat(index % 5 === 0 ? 3000 : 800), index };
  return {
    expectSeq: 'new',
    execution: {
      id,
      workflowId: 'wf',
      workflowVersion: 1,
      status: index % 3 === 0 ? 'failed' : 'succeeded',
      seq: 0,
      triggerNodeId: 't',
      triggerType: 'trigger.manual',
      input: payload,
      output: payload,
      depth: 0,
      createdAt: finishedAt - 10,
      updatedAt: finishedAt,
      finishedAt,
    },
    steps: ['t', 'a'].map((key) => ({
      step: {
        executionId: id,
        key,
        nodeId: key,
        status: 'succeeded' as const,
        attempt: 1,
        output: payload,
        finishedAt,
      },
    })),
  };
}

async function insertMany(store: SqliteStore, prefix: string, count: number, finishedAt: number) {
  for (let start = 0; start < count; start += 200) {
    const batch: ExecutionChange[] = [];
    for (let i = start; i < Math.min(count, start + 200); i++) {
      batch.push(finished(`${prefix}-${i}`, finishedAt + i, i));
    }
    const outcomes = await store.commit(batch);
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
  }
}

const fileSize = (path: string) => statSync(path).size;

test('pruning many executions deletes steps and blobs and shrinks the file back near the live data', async () => {
  const dir = tempDir();
  const file = join(dir, 'flowstate.db');
  const store = new SqliteStore({ filename: file, blobThresholdBytes: 2048 });
  await store.migrate();
  await store.createWorkflow({
    id: 'wf',
    definition: workflow,
    active: true,
    publish: true,
    now: T0,
  });
  const now = T0 + 400 * DAY;
  await insertMany(store, 'live', 200, now - DAY);
  await store.reclaimSpace();
  const liveSize = fileSize(file);

  await insertMany(store, 'old', 6000, T0);
  await store.reclaimSpace();
  const peakSize = fileSize(file);
  expect(peakSize).toBeGreaterThan(liveSize * 10);
  expect(await store.countBlobs()).toBeGreaterThan(1000);

  const result = await pruneExecutions({
    store,
    policy: { days: 30, failedDays: 90 },
    now,
    batchSize: 500,
  });
  expect(result.deleted).toBe(6000);
  expect(result.batches).toBeGreaterThanOrEqual(12);
  expect((await store.listExecutions({ limit: 1000 })).length).toBe(200);
  // Input and output of the 40 live executions with a large payload; their step journals only
  // reference that payload (compact journal), so they stay inline.
  expect(await store.countBlobs()).toBe(80);
  const counts = await store.countSteps();
  expect(counts.succeeded).toBe(400);

  const prunedSize = fileSize(file);
  expect(fileSize(`${file}-wal`)).toBe(0);
  // Back near the size of the live data: nowhere near the peak.
  expect(prunedSize).toBeLessThan(liveSize * 1.5 + 64 * 1024);
  await store.close();
});

test('failed executions are kept longer than succeeded ones; 0 days keeps forever', async () => {
  const dir = tempDir();
  const store = new SqliteStore({ filename: join(dir, 'flowstate.db') });
  await store.migrate();
  await store.createWorkflow({
    id: 'wf',
    definition: workflow,
    active: true,
    publish: true,
    now: T0,
  });
  await insertMany(store, 'e', 6, T0);
  const statuses = async () =>
    (await store.listExecutions({ limit: 100 })).map((e) => e.status).sort();
  expect(
    await pruneExecutions({ store, policy: { days: 0, failedDays: 0 }, now: T0 + 999 * DAY }),
  ).toMatchObject({ deleted: 0 });
  await pruneExecutions({ store, policy: { days: 30, failedDays: 90 }, now: T0 + 60 * DAY });
  expect(await statuses()).toEqual(['failed', 'failed']);
  await pruneExecutions({ store, policy: { days: 30, failedDays: 90 }, now: T0 + 91 * DAY });
  expect(await statuses()).toEqual([]);
  await store.close();
});

test('a workflow whose settings set retention keeps its executions by its own days', async () => {
  const dir = tempDir();
  const store = new SqliteStore({ filename: join(dir, 'flowstate.db') });
  await store.migrate();
  await store.createWorkflow({
    id: 'wf',
    definition: { ...workflow, settings: { retention: { days: 365 } } },
    active: true,
    publish: true,
    now: T0,
  });
  await insertMany(store, 'e', 3, T0);
  const result = await pruneExecutions({
    store,
    policy: { days: 30, failedDays: 90 },
    now: T0 + 100 * DAY,
  });
  expect(result.deleted).toBe(1);
  expect((await store.listExecutions({ limit: 10 })).map((e) => e.status)).toEqual([
    'succeeded',
    'succeeded',
  ]);
  await store.close();
});

test('an existing database without auto_vacuum is switched to incremental by one VACUUM', async () => {
  const dir = tempDir();
  const file = join(dir, 'flowstate.db');
  const old = new Database(file);
  old.pragma('journal_mode = WAL');
  runMigrations(
    old,
    MIGRATIONS.filter((m) => m.version <= 2),
  );
  old
    .prepare(
      `INSERT INTO workflows (id, name, active, current_version, created_at, updated_at)
       VALUES ('wf', 'Old', 1, 1, ?, ?)`,
    )
    .run(T0, T0);
  old
    .prepare(
      `INSERT INTO workflow_versions (workflow_id, version, definition, hash, created_at)
       VALUES ('wf', 1, ?, 'h', ?)`,
    )
    .run(JSON.stringify(workflow), T0);
  expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
  old.close();

  const store = new SqliteStore({ filename: file });
  await store.migrate();
  await store.close();
  const check = new Database(file, { readonly: true });
  expect(check.pragma('auto_vacuum', { simple: true })).toBe(2);
  check.close();
  const reopened = new SqliteStore({ filename: file });
  await reopened.migrate();
  // The version that ran before drafts existed is the published one.
  expect(await reopened.getWorkflow('wf')).toMatchObject({
    draftVersion: 1,
    publishedVersion: 1,
    name: 'Old',
  });
  expect((await reopened.getWorkflowVersion('wf', 1))?.author).toBe('system');
  await reopened.close();
});
