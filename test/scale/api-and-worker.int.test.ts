import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from '@flowstate/store-postgres/testing';
import { eventually, ServerProcess } from '../server-process.js';

const env = pgTestEnv();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Answers with a greeting after a short timer: the API process cannot answer it alone. */
const greet = {
  id: 'greet',
  schemaVersion: 1,
  name: 'Greet',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', name: 'Hook', params: { path: 'greet' } },
    { id: 'nap', type: 'wait.delay', name: 'Nap', params: { durationMs: 50 } },
    {
      id: 'shape',
      type: 'transform.jsonata',
      name: 'Shape',
      params: { expression: '{ "greeting": "hello " & $trigger.body.name }' },
    },
    {
      id: 'answer',
      type: 'webhook.respond',
      name: 'Answer',
      params: { status: 201, body: '{{ $input }}' },
    },
  ],
  edges: [
    { id: 'e1', from: 'hook', to: 'nap' },
    { id: 'e2', from: 'nap', to: 'shape' },
    { id: 'e3', from: 'shape', to: 'answer' },
  ],
};

async function call(api: ServerProcess, name: string): Promise<Response> {
  return fetch(`${api.url}/hooks/greet`, {
    method: 'POST',
    body: JSON.stringify({ name }),
    headers: { 'content-type': 'application/json' },
  });
}

describe.skipIf(!env.available)('an API process and a worker process on PostgreSQL', () => {
  test('a webhook taken by the API process is answered synchronously by the worker process', async () => {
    const schema = await createTestSchema();
    cleanups.push(() => dropTestSchema(schema));
    const shared = {
      DATABASE_URL: databaseUrlWithSchema(schema),
      FLOWSTATE_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
      FLOWSTATE_WEBHOOK_TIMEOUT_MS: '3000',
      FLOWSTATE_SHUTDOWN_GRACE_MS: '500',
    };
    const api = new ServerProcess([greet]);
    cleanups.push(() => api.cleanup());
    await api.start({ ...shared, FLOWSTATE_ROLE: 'api' });
    const worker = new ServerProcess([]);
    cleanups.push(() => worker.cleanup());
    await worker.start(shared, 'worker');
    expect(worker.output).toContain('flowstate worker listening');

    for (const name of ['Ada', 'Grace', 'Edsger']) {
      const res = await call(api, name);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ greeting: `hello ${name}` });
    }
    // The worker serves no API.
    expect((await fetch(`${worker.url}/hooks/greet`, { method: 'POST' })).status).toBe(404);

    // Without a worker nobody runs the steps: the API process answers 202 with the id...
    await worker.stop();
    const pending = await call(api, 'Barbara');
    expect(pending.status).toBe(202);
    const { executionId } = (await pending.json()) as { executionId: string };
    // ...and a worker started later finishes the execution.
    await worker.start(shared, 'worker');
    const db = new pg.Client({ connectionString: databaseUrlWithSchema(schema) });
    await db.connect();
    cleanups.push(() => db.end());
    await eventually(
      async () => {
        const { rows } = await db.query('SELECT status FROM executions WHERE id = $1', [
          executionId,
        ]);
        return rows[0]?.status === 'succeeded';
      },
      15_000,
      'the execution to finish on the restarted worker',
    );
  });
});
