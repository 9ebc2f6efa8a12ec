import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { ExecutionChange } from '@flowstate/engine';
import { SqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function change(id: string, payload: string): ExecutionChange {
  const now = Date.now();
  return {
    expectSeq: 'new',
    execution: {
      id,
      workflowId: 'w',
      workflowVersion: 1,
      status: 'running',
      seq: 0,
      triggerNodeId: 't',
      input: { payload },
      depth: 0,
      createdAt: now,
      updatedAt: now,
    },
    steps: [
      {
        step: {
          executionId: id,
          key: 't',
          nodeId: 't',
          status: 'succeeded',
          attempt: 1,
          output: { payload },
        },
      },
      {
        step: {
          executionId: id,
          key: 'n',
          nodeId: 'n',
          status: 'waiting',
          attempt: 1,
          runAt: now + 60_000,
        },
      },
    ],
  };
}

/** A FULL store on a fresh file, with the workflow `w` the changes belong to. */
async function openStore(): Promise<{ filename: string; store: SqliteStore }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-wal-'));
  dirs.push(dir);
  const filename = join(dir, 'flowstate.db');
  const store = new SqliteStore({ filename, synchronous: 'FULL' });
  await store.migrate();
  await store.createWorkflow({
    id: 'w',
    definition: { schemaVersion: 1, name: 'w', nodes: [], edges: [] },
    active: true,
    now: Date.now(),
  });
  return { filename, store };
}

test('with FULL, commits are group-fsynced, the WAL is checkpointed in the background and reused, and everything survives a reopen', async () => {
  const { filename, store } = await openStore();
  const payload = 'x'.repeat(20_000);
  let written = 0;
  for (let batch = 0; batch < 60; batch++) {
    // Commits made together share fsyncs; each resolves only once it is durable.
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.commit([change(`e${batch}-${i}`, payload)])),
    );
    for (const [outcome] of outcomes) expect(outcome!.status).toBe('ok');
    written += 10 * 2 * payload.length;
    // Spread over ~3 s: the background checkpointer runs about once a second.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // ~24 MB went through the WAL; the background checkpointer copied it into the database
  // file while the store kept writing (without it, the database file would stay tiny).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await store.commit([change('last', payload)]);
  expect(statSync(filename).size).toBeGreaterThan(written / 2);
  await store.close();

  const reopened = new SqliteStore({ filename, synchronous: 'FULL' });
  await reopened.migrate();
  const counts = await reopened.countSteps();
  expect(counts.succeeded).toBe(601);
  expect(counts.waiting).toBe(601);
  const loaded = await reopened.loadExecution('e59-9');
  expect(loaded?.steps.find((s) => s.key === 't')?.output).toEqual({ payload });
  await reopened.close();
});

/** The WAL's checkpoint sequence number: SQLite adds one each time it starts the WAL again. */
function walRestarts(filename: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(`${filename}-wal`, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
}

test('under commits that never pause, the WAL is started again from its beginning instead of growing', async () => {
  const { filename, store } = await openStore();
  const payload = 'x'.repeat(5_000);
  const restartsBefore = walRestarts(filename);
  let largestWal = 0;
  let written = 0;
  // Four writers, as concurrent executions are: some commit is always on its way, for 3 s
  // (the background checkpointer runs about once a second).
  const until = Date.now() + 3000;
  await Promise.all(
    Array.from({ length: 4 }, async (_, writer) => {
      for (let i = 0; Date.now() < until; i++) {
        const [outcome] = await store.commit([change(`e${writer}-${i}`, payload)]);
        expect(outcome!.status).toBe('ok');
        written += 2 * payload.length;
        largestWal = Math.max(largestWal, statSync(`${filename}-wal`).size);
      }
    }),
  );
  expect(written).toBeGreaterThan(0);
  // Started again after each background checkpoint (about once a second), so the file never
  // reaches the size at which the writer would block to checkpoint it itself (256 MiB).
  expect(walRestarts(filename) - restartsBefore).toBeGreaterThanOrEqual(2);
  expect(largestWal).toBeLessThan(256 * 1024 * 1024);
  await store.close();
}, 60_000);
