import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Engine } from '@flowstate/engine';
import { createBuiltinRegistry } from '@flowstate/nodes';
import { CrmService, createCrmNodes } from '@flowstate/crm';
import { PostgresStore } from '@flowstate/store-postgres';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from '@flowstate/store-postgres/testing';
import { loadConfig } from '../config.js';
import { startServer, type RunningServer } from '../start.js';
import { setUpOwner } from '../testing/server-fixture.js';
import { EntityDispatcher } from './entity-dispatcher.js';
import { EntityTriggerIndex } from './entity-triggers.js';

const env = pgTestEnv();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function schema(): Promise<string> {
  const name = await createTestSchema();
  cleanups.push(() => dropTestSchema(name));
  return name;
}

describe.skipIf(!env.available)('CRM on PostgreSQL', () => {
  test('API and worker processes: rules, lists and search over HTTP; a stage change runs an installed template on the worker', async () => {
    const name = await schema();
    const dir = await mkdtemp(join(tmpdir(), 'flowstate-crm-pg-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const start = async (role: string): Promise<RunningServer> => {
      const running = await startServer(
        loadConfig({
          DATABASE_URL: databaseUrlWithSchema(name),
          FLOWSTATE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
          FLOWSTATE_ROLE: role,
          FLOWSTATE_DATA_DIR: join(dir, role),
          PORT: '0',
        }),
        { logDestination: { write: () => undefined } },
      );
      cleanups.push(() => running.close());
      return running;
    };
    const api = await start('api');
    await start('worker');
    const key = await setUpOwner(api.app);
    const call = async (
      method: 'GET' | 'POST' | 'PATCH' | 'PUT',
      url: string,
      payload?: object,
    ) => {
      const res = await api.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${key}` },
        ...(payload ? { payload } : {}),
      });
      return { status: res.statusCode, body: res.json() as any };
    };

    await call('PUT', '/crm/fields/contact/motivation', { label: 'Motivation', type: 'text' });
    const pat = (
      await call('POST', '/crm/contacts', {
        name: 'Pat Prospect',
        email: 'pat@prospect.example',
        pipelineId: 'network-marketing',
      })
    ).body;
    const refused = await call('POST', `/crm/contacts/${pat.id}/move`, { stage: 'invited' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'STAGE_RULE_FAILED',
      details: [expect.objectContaining({ path: '/custom/motivation', code: 'requiredField' })],
    });
    for (let i = 0; i < 5; i++)
      await call('POST', '/crm/contacts', { name: `Lead ${i}`, score: i });
    const first = await call('GET', '/crm/contacts?sort=-score&limit=3&score=gte:0');
    const second = await call(
      'GET',
      `/crm/contacts?sort=-score&limit=3&score=gte:0&cursor=${first.body.nextCursor}`,
    );
    expect(
      [...first.body.items, ...second.body.items].map((c: { score: number }) => c.score),
    ).toEqual([4, 3, 2, 1, 0, 0]);
    expect(
      (await call('GET', '/crm/search?q=pat%20prosp')).body.items.map((h: { id: string }) => h.id),
    ).toEqual([pat.id]);

    const installed = (
      await call('POST', '/crm/templates/deal-stage-follow-up/install', { params: {} })
    ).body;
    const deal = (
      await call('POST', '/crm/deals', {
        name: 'Fleet deal',
        pipelineId: 'sales',
        contactId: pat.id,
      })
    ).body;
    expect((await call('POST', `/crm/deals/${deal.id}/move`, { stage: 'qualified' })).status).toBe(
      200,
    );
    let tasks: Array<{ title: string }> = [];
    for (let i = 0; i < 500 && tasks.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      tasks = (await call('GET', `/crm/tasks?recordId=${deal.id}`)).body.items;
    }
    expect(tasks).toEqual([
      expect.objectContaining({ title: 'Follow up on Fleet deal (qualified)' }),
    ]);
    const runs = (await call('GET', `/crm/deals/${deal.id}/runs`)).body.items;
    expect(
      runs.filter(
        (r: { workflowId: string; source: string }) =>
          r.workflowId === installed.workflowId && r.source === 'trigger',
      ),
    ).toHaveLength(1);
  });

  test('two dispatchers racing over the same events start exactly one execution per event and workflow', async () => {
    const name = await schema();
    const open = async () => {
      const store = new PostgresStore({ connectionString: env.url, schema: name, poolSize: 4 });
      await store.migrate();
      cleanups.push(() => store.close());
      const crm = new CrmService({ store: store.crm });
      const registry = createBuiltinRegistry({}, createCrmNodes({ crm }));
      // Executions are started, not run: no worker is needed to count them.
      const engine = new Engine({ store, registry, runSteps: false });
      const triggers = new EntityTriggerIndex(registry);
      const dispatcher = new EntityDispatcher({
        engine,
        store: store.crm,
        triggers,
        logger: engine.logger,
      });
      return { store, crm, triggers, dispatcher };
    };
    const a = await open();
    const b = await open();
    const definition = {
      schemaVersion: 1 as const,
      name: 'On contact',
      nodes: [
        {
          id: 'on',
          type: 'trigger.entity',
          name: 'On',
          params: { recordType: 'contact', events: ['created'] },
        },
      ],
      edges: [],
    };
    for (const id of ['w1', 'w2']) {
      await a.store.createWorkflow({
        id,
        definition,
        active: true,
        publish: true,
        now: Date.now(),
      });
      for (const side of [a, b])
        await side.triggers.sync(id, { version: 1, definition: definition as never });
    }
    for (let i = 0; i < 12; i++)
      await a.crm.create('contact', { name: `C${i}` }, { actor: 'system' });
    const events = await a.store.crm.listEvents({ limit: 100 });
    expect(events).toHaveLength(12);
    // Both drain the outbox at once, and both also re-dispatch every event as if its lease had
    // expired after a crash: every start races on the dedupe key.
    await Promise.all([
      a.dispatcher.drain(),
      b.dispatcher.drain(),
      ...events.map((event) => a.dispatcher.dispatch(event)),
      ...events.map((event) => b.dispatcher.dispatch(event)),
    ]);
    for (const workflowId of ['w1', 'w2']) {
      const executions = await a.store.listExecutions({ workflowId, limit: 100 });
      expect(executions).toHaveLength(12);
      expect(new Set(executions.map((e) => (e.input as { eventId: string }).eventId)).size).toBe(
        12,
      );
    }
    expect(
      await a.store.crm.claimEvents({
        owner: 'later',
        now: Date.now() + 3_600_000,
        leaseMs: 1000,
        limit: 100,
      }),
    ).toEqual([]);
  });
});
