import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from '@flowstate/store-postgres/testing';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './start.js';
import { chain, respond, set, webhook } from './testing/workflows.js';

const env = pgTestEnv();
const cleanups: Array<() => Promise<void>> = [];
const silent = { write: () => undefined };

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One API and one worker server (in this process) on a fresh schema. */
async function apiAndWorker(): Promise<{ api: RunningServer; worker: RunningServer }> {
  const schema = await createTestSchema();
  cleanups.push(() => dropTestSchema(schema));
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-pg-start-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const workflowsDir = join(dir, 'workflows');
  await mkdir(workflowsDir);
  await writeFile(
    join(workflowsDir, 'greet.json'),
    JSON.stringify(
      chain('Greet', [
        webhook('greet'),
        set('shape', { greeting: '{{ "hello " & $trigger.body.name }}' }),
        respond('answer', { status: 201, body: '{{ $input }}' }),
      ]),
    ),
  );
  const start = async (role: string) => {
    const config = loadConfig({
      DATABASE_URL: databaseUrlWithSchema(schema),
      FLOWSTATE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      FLOWSTATE_ROLE: role,
      FLOWSTATE_DATA_DIR: join(dir, role),
      FLOWSTATE_WORKFLOWS_DIR: workflowsDir,
      FLOWSTATE_METRICS_TOKEN: 'scrape',
      PORT: '0',
    });
    const running = await startServer(config, { logDestination: silent });
    cleanups.push(() => running.close());
    return running;
  };
  const api = await start('api');
  const worker = await start('worker');
  return { api, worker };
}

describe.skipIf(!env.available)('startServer on PostgreSQL (DATABASE_URL)', () => {
  test('an API server answers a webhook synchronously with what a worker server ran', async () => {
    const { api, worker } = await apiAndWorker();
    const res = await fetch(`${api.url}/hooks/greet`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Ada' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ greeting: 'hello Ada' });
    // The API engine ran nothing: the worker's engine committed every step.
    expect(api.engine.executor.inFlight).toBe(0);
    expect(api.engine.runsSteps).toBe(false);
    expect(worker.engine.runsSteps).toBe(true);
  });

  test('a worker server serves only /healthz, /readyz and /metrics', async () => {
    const { worker } = await apiAndWorker();
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${worker.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await fetch(`${worker.url}/metrics`, {
      headers: { authorization: 'Bearer scrape' },
    });
    expect(metrics.status).toBe(200);
    expect((await fetch(`${worker.url}/api/v1/workflows`)).status).toBe(404);
    expect((await fetch(`${worker.url}/hooks/greet`, { method: 'POST' })).status).toBe(404);
  });
});
