import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteExport } from './data-export.js';
import type { PortableBatch } from './portable-rows.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowstate-export-'));
  await (await SqliteStore.open(dir)).close();
  // A server killed mid-step: a running step and a schedule still leased to it.
  const db = new Database(join(dir, 'flowstate.db'));
  db.exec(`
    INSERT INTO workflows VALUES ('wf', 'WF', 1, 1, 1, 1, 1, 1);
    INSERT INTO executions (id, workflow_id, workflow_version, status, seq, trigger_node_id,
      input, depth, created_at, updated_at) VALUES ('ex', 'wf', 1, 'running', 1, 'start', '{}', 0, 1, 1);
    INSERT INTO steps (execution_id, key, node_id, status, attempt, lease_owner, lease_expires_at)
      VALUES ('ex', 'start', 'start', 'succeeded', 1, 'w1', 5000),
             ('ex', 'http', 'http', 'running', 1, 'w1', 9000000000000);
    INSERT INTO schedules VALUES ('s', 'wf', 'tick', 1, '* * * * *', 'UTC', 'skip', 10, 60000,
      'w1', 9000000000000, 1, 1);
    INSERT INTO users VALUES ('u', 'a@example.com', 'A', 'owner', 'hash', 0, 1, 1);
  `);
  db.close();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function all(source: SqliteExport, now: number) {
  const notes = { missingBlobs: [] as string[], expiredLeases: 0 };
  const batches: PortableBatch[] = [...source.batches(now, notes)];
  const rows = (table: string) => batches.filter((b) => b.table === table).flatMap((b) => b.rows);
  return { notes, rows };
}

describe('SqliteExport', () => {
  test('expires the leases of unfinished steps, releases schedule leases, maps booleans', () => {
    const source = SqliteExport.open(dir);
    try {
      const { notes, rows } = all(source, 1_000_000);
      expect(notes).toEqual({ missingBlobs: [], expiredLeases: 1 });
      expect(rows('steps').map((s) => [s['key'], s['lease_owner'], s['lease_expires_at']])).toEqual(
        [
          ['start', 'w1', 5000],
          ['http', 'w1', 1_000_000],
        ],
      );
      expect(rows('schedules')[0]).toMatchObject({
        lease_owner: null,
        lease_expires_at: null,
        next_run_at: 60000,
      });
      expect(rows('workflows')[0]).toMatchObject({ active: true });
      expect(rows('users')[0]).toMatchObject({ disabled: false });
      expect(source.counts()).toMatchObject({
        workflows: 1,
        executions: 1,
        steps: 2,
        schedules: 1,
      });
    } finally {
      source.close();
    }
  });

  test('holds the data folder lock: a store cannot open it meanwhile', async () => {
    const source = SqliteExport.open(dir);
    await expect(SqliteStore.open(dir)).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    source.close();
    await (await SqliteStore.open(dir)).close();
  });
});
