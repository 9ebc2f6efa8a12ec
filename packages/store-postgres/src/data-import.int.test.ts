import { afterEach, describe, expect, test } from 'vitest';
import { importIntoPostgres, inspectImportTarget, type ImportBatch } from './data-import.js';
import { MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres-store.js';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from './testing/pg-test-env.js';

const env = pgTestEnv();
let schema: string | undefined;

afterEach(async () => {
  if (schema !== undefined) await dropTestSchema(schema);
  schema = undefined;
});

async function target() {
  schema = await createTestSchema();
  return { connectionString: databaseUrlWithSchema(schema) };
}

const workflow = {
  id: 'wf',
  name: 'WF',
  active: true,
  draft_version: 1,
  published_version: 1,
  published_at: 1,
  created_at: 1,
  updated_at: 1,
};
const execution = {
  id: 'ex',
  workflow_id: 'wf',
  workflow_version: 1,
  status: 'running',
  seq: 3,
  trigger_node_id: 'a',
  trigger_type: null,
  input: JSON.stringify({ pad: 'x'.repeat(2000) }),
  output: null,
  error: null,
  response: null,
  parent_execution_id: null,
  parent_step_key: null,
  depth: 0,
  rerun_of: null,
  created_at: 1,
  updated_at: 2,
  finished_at: null,
  dedupe_key: null,
};
const step = (key: string, status: string) => ({
  execution_id: 'ex',
  key,
  node_id: key,
  status,
  attempt: 1,
  run_at: null,
  lease_owner: null,
  lease_expires_at: null,
  input: '{"n":1}',
  output: status === 'succeeded' ? '{"n":2}' : null,
  port: null,
  error: null,
  state: null,
  started_at: 1,
  finished_at: null,
  duration_ms: 1.5,
});
const batches: ImportBatch[] = [
  { table: 'workflows', rows: [workflow] },
  { table: 'executions', rows: [execution] },
  // Written in this order: "z" before "a", which the journal must keep.
  { table: 'steps', rows: [step('z', 'succeeded'), step('a', 'ready')] },
];

describe.skipIf(!env.available)('importIntoPostgres', () => {
  test('fills an empty schema: large payloads in blobs, steps in the order given', async () => {
    const options = { ...(await target()), blobThresholdBytes: 1024 };
    const imported = await importIntoPostgres(options, batches);
    expect(imported).toMatchObject({ workflows: 1, executions: 1, steps: 2, blobs: 1 });
    const store = await PostgresStore.connect({ ...options, poolSize: 1 });
    try {
      const loaded = await store.loadExecution('ex');
      expect(loaded?.execution.input).toEqual({ pad: 'x'.repeat(2000) });
      expect(loaded?.steps.map((s) => [s.key, s.status, s.durationMs])).toEqual([
        ['z', 'succeeded', 1.5],
        ['a', 'ready', 1.5],
      ]);
      expect((await store.getWorkflow('wf'))?.active).toBe(true);
    } finally {
      await store.close();
    }
    expect((await inspectImportTarget(options)).occupied).toMatchObject({ workflows: 1 });
  });

  test('all or nothing: a failure before COMMIT leaves the schema empty', async () => {
    const options = await target();
    await expect(
      importIntoPostgres(options, batches, () => {
        throw new Error('counts differ');
      }),
    ).rejects.toThrow('counts differ');
    const bad = [...batches, { table: 'steps', rows: [{ ...step('b', 'ready'), extra: 1 }] }];
    await expect(importIntoPostgres(options, bad)).rejects.toMatchObject({
      code: 'IMPORT_INVALID',
      message: expect.stringContaining('columns this schema does not know: extra'),
    });
    expect(await inspectImportTarget(options)).toEqual({
      schemaVersion: Math.max(...MIGRATIONS.map((m) => m.version)),
      occupied: {},
    });
  });
});
