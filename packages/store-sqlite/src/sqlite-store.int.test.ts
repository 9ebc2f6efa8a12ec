import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Store } from '@flowstate/engine';
import { storeContract } from '@flowstate/engine/testing';
import { LOCK_FILE } from './data-dir-lock.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import { DUE_STEPS_SQL, NEXT_DUE_SQL } from './step-leases.js';

const T0 = 1_700_000_000_000;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-sqlite-'));
  dirs.push(dir);
  return dir;
}

async function makeSqlite(
  options: Partial<SqliteStoreOptions> = {},
): Promise<{ store: SqliteStore; dir: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-sqlite-'));
  const store = new SqliteStore({ filename: join(dir, 'flowstate.db'), ...options });
  await store.migrate();
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

storeContract('SqliteStore', async (): Promise<{ store: Store; cleanup(): Promise<void> }> =>
  makeSqlite(),
);

describe('SqliteStore specifics', () => {
  const workflow = { schemaVersion: 1 as const, name: 'W', nodes: [], edges: [] };
  const execution = (id: string, input: unknown) => ({
    id,
    workflowId: 'wf',
    workflowVersion: 1,
    status: 'running' as const,
    seq: 0,
    triggerNodeId: 't',
    input: input as never,
    depth: 0,
    createdAt: T0,
    updatedAt: T0,
  });

  test('payloads above the threshold live in blobs, which are deleted with their last reference', async () => {
    const { store, cleanup } = await makeSqlite({ blobThresholdBytes: 100 });
    try {
      await store.createWorkflow({ id: 'wf', definition: workflow, active: true, now: T0 });
      const big = { text: 'x'.repeat(200) };
      const step = {
        executionId: 'e1',
        key: 'a',
        nodeId: 'a',
        status: 'ready' as const,
        attempt: 0,
        input: big,
        output: big,
      };
      await store.commit([
        { expectSeq: 'new', execution: execution('e1', big), steps: [{ step }] },
      ]);
      expect(await store.countBlobs()).toBe(3);
      expect((await store.loadExecution('e1'))?.steps[0]?.input).toEqual(big);
      await store.commit([
        {
          expectSeq: 1,
          execution: execution('e1', 'small'),
          steps: [{ step: { ...step, output: 1 } }],
        },
      ]);
      expect(await store.countBlobs()).toBe(1);
      const fenced = await store.commit([
        {
          expectSeq: 2,
          execution: execution('e1', big),
          steps: [{ step: { ...step, output: big }, expectLeaseOwner: 'nobody' }],
        },
      ]);
      expect(fenced).toEqual([{ status: 'fenced', stepKey: 'a' }]);
      expect(await store.countBlobs()).toBe(1);
      await store.commit([
        {
          expectSeq: 2,
          execution: { ...execution('e1', 'small'), status: 'succeeded' as const },
          steps: [],
        },
      ]);
      expect(await store.deleteWorkflow('wf')).toBe(true);
      expect(await store.countBlobs()).toBe(0);
    } finally {
      await cleanup();
    }
  });

  test('a change that fails unexpectedly rolls back alone and is reported with the others committed', async () => {
    const { store, cleanup } = await makeSqlite();
    try {
      await store.createWorkflow({ id: 'wf', definition: workflow, active: true, now: T0 });
      const late = {
        executionId: 'good',
        key: 'a',
        nodeId: 'a',
        status: 'succeeded' as const,
        attempt: 1,
      };
      const outcome = store.commit([
        { expectSeq: 'new', execution: execution('good', {}), steps: [] },
        {
          expectSeq: 'new',
          execution: { ...execution('bad', {}), workflowId: 'no-such-workflow' },
          steps: [],
        },
        {
          expectSeq: 1,
          execution: execution('good', {}),
          steps: [{ step: late, expectLeaseOwner: 'w1' }],
        },
        {
          expectSeq: 1,
          execution: execution('good', {}),
          steps: [{ step: { ...late, key: 'b' } }],
        },
      ]);
      await expect(outcome).rejects.toMatchObject({
        code: 'STORE_COMMIT_FAILED',
        outcomes: [
          { status: 'ok', seq: 1 },
          { status: 'error' },
          { status: 'fenced', stepKey: 'a' },
          { status: 'ok', seq: 2 },
        ],
      });
      expect((await store.loadExecution('good'))?.steps.map((s) => s.key)).toEqual(['b']);
      expect(await store.getExecution('good')).toBeDefined();
      expect(await store.getExecution('bad')).toBeUndefined();
    } finally {
      await cleanup();
    }
  });

  test('migrate is idempotent and records its versions', async () => {
    const { store, dir, cleanup } = await makeSqlite();
    try {
      await store.migrate();
      await store.close();
      const again = new SqliteStore({ filename: join(dir, 'flowstate.db') });
      await again.migrate();
      expect(await again.listWorkflows()).toEqual([]);
      await again.close();
    } finally {
      await cleanup();
    }
  });

  test('the claim index keeps claims and nextDueAt off a scan of waiting rows', async () => {
    const { store, dir, cleanup } = await makeSqlite();
    try {
      await store.close();
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dir, 'flowstate.db'));
      const plan = (sql: string) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ now: 1, limit: 10 }) as Array<{
            detail: string;
          }>
        )
          .map((r) => r.detail)
          .join(' | ');
      for (const sql of [DUE_STEPS_SQL, NEXT_DUE_SQL]) {
        const detail = plan(sql);
        expect(detail).toMatch(
          /^SEARCH s USING INDEX steps_claim .*SEARCH e USING INDEX sqlite_autoindex_executions_1/,
        );
        expect(detail).not.toMatch(/TEMP B-TREE/);
      }
      db.close();
    } finally {
      await cleanup();
    }
  });
});

describe('SqliteStore.open (embedded data folder)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  test('creates the folder and database, and releases the lock on close', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    const store = await SqliteStore.open(dir, { synchronous: 'NORMAL' });
    expect(existsSync(join(dir, 'flowstate.db'))).toBe(true);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    await expect(SqliteStore.open(dir)).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    await store.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const reopened = await SqliteStore.open(dir);
    expect(await reopened.listWorkflows()).toEqual([]);
    await reopened.close();
  });

  test('refuses a folder locked by another live process', async () => {
    const dir = tempDir();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(other);
    writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
    await expect(SqliteStore.open(dir)).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: `Another Flowstate process is using ${dir} (pid ${other.pid}). Embedded mode allows one process per data folder; use PostgreSQL (DATABASE_URL) to run several.`,
    });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(other.pid));
  });

  test('takes over the stale lock of a process that was killed', async () => {
    const dir = tempDir();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
    const store = await SqliteStore.open(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    await store.close();
  });
});
