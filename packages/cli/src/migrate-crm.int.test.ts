import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Workflow } from '@flowstate/core';
import { CrmService, type CrmStore, type RecordType, type StoredRecord } from '@flowstate/crm';
import type { NotificationRecord, Store } from '@flowstate/engine';
import { loadConfig, startServer } from '@flowstate/server';
import { IMPORT_TABLES } from '@flowstate/store-postgres';
import { PORTABLE_TABLES, SqliteStore } from '@flowstate/store-sqlite';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from '@flowstate/store-postgres/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from './cli.js';
import type { CliIo } from './io.js';

const env = pgTestEnv();
/** A time after every lease. */
const FAR = Date.UTC(2100, 0, 1);
const QUIET = { FLOWSTATE_LOG_LEVEL: 'silent', PORT: '0' };
const OWNER = { email: 'owner@example.com', password: 'a long owner password' };

async function cli(argv: string[], cliEnv: Record<string, string>, cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
    env: cliEnv,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 600) {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Starts a workflow when a deal changes stage; its output names the event. */
const onDealMove: Workflow = {
  schemaVersion: 1,
  name: 'On deal move',
  nodes: [
    {
      id: 'on',
      type: 'trigger.entity',
      name: 'On',
      params: { recordType: 'deal', events: ['stage_changed'] },
    },
    {
      id: 'out',
      type: 'transform.set',
      name: 'out',
      params: {
        fields: { eventId: '{{ $trigger.eventId }}', stage: '{{ $trigger.record.stage }}' },
      },
    },
  ],
  edges: [{ id: 'e0', from: 'on', to: 'out' }],
};

/** Everything the CRM service reads back about the records, in a comparable form. */
async function snapshot(crm: CrmService, ids: Record<string, string>) {
  const records: Record<string, StoredRecord> = {};
  const types: Record<string, RecordType> = {
    contact: 'contact',
    company: 'company',
    deal: 'deal',
    call: 'activity',
    note: 'activity',
  };
  for (const [name, type] of Object.entries(types)) records[name] = await crm.get(type, ids[name]!);
  const list = async (type: RecordType) =>
    (
      await crm.list(type, {
        filters: [],
        sort: { field: 'createdAt', direction: 'asc' },
        limit: 50,
      })
    ).items;
  const page = async (type: RecordType) => (await list(type)).map((r) => r.id).sort();
  return {
    records,
    tasks: await list('task'),
    activities: await page('activity'),
    contacts: await page('contact'),
    fields: await crm.fields('contact'),
    pipelines: await crm.store.listPipelines(),
    links: await crm.store.listExecutionLinks('contact', ids['contact']!),
    events: await crm.store.listEvents({ limit: 100 }),
  };
}

test('PostgreSQL imports every table SQLite exports, in the same order', () => {
  expect(IMPORT_TABLES).toEqual([...PORTABLE_TABLES]);
});

describe.skipIf(!env.available)('flowstate migrate: notifications and the CRM', () => {
  let dir: string;
  let schema: string;
  let dataDir: string;
  const ids: Record<string, string> = {};
  let before: Awaited<ReturnType<typeof snapshot>>;
  let notifications: NotificationRecord[];
  let pendingEventId: string;
  let ownerId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowstate-migrate-crm-'));
    dataDir = join(dir, 'data');
    schema = await createTestSchema();
    const created = await cli(
      ['users', 'create', '--email', OWNER.email, '--password', OWNER.password],
      { ...QUIET, FLOWSTATE_DATA_DIR: dataDir },
      dir,
    );
    expect(created.code).toBe(0);

    // No server runs on the source: nothing dispatches its entity events but this test.
    const store = await SqliteStore.open(dataDir);
    try {
      ownerId = (await store.getUserByEmail(OWNER.email))!.id;
      await store.createWorkflow({
        id: 'on-deal-move',
        definition: onDealMove,
        active: true,
        publish: true,
        now: Date.now(),
      });
      const crm = new CrmService({ store: store.crm });
      const user = { actor: `user:${ownerId}` };
      await store.crm.putFieldDefinition(
        {
          recordType: 'contact',
          key: 'motivation',
          label: 'Motivation',
          type: 'text',
          required: false,
        },
        Date.now(),
      );
      const company = await crm.create(
        'company',
        { name: 'Acme Fleet', domain: 'acme.example' },
        user,
      );
      const contact = await crm.create(
        'contact',
        {
          name: 'Zelda Quintana',
          email: 'zelda@acme.example',
          companyId: company.id,
          score: 42.5,
          notes: 'Met at the fleet expo',
          custom: { motivation: 'cheaper routes' },
        },
        { actor: 'execution:exe_seed', execution: { id: 'exe_seed', workflowId: 'seeding' } },
      );
      const call = await crm.create(
        'activity',
        {
          kind: 'call',
          recordType: 'contact',
          recordId: contact.id,
          subject: 'Intro call',
          body: 'Wants a demo',
        },
        user,
      );
      const note = await crm.create(
        'activity',
        { kind: 'note', recordType: 'contact', recordId: contact.id, body: 'Prefers email' },
        user,
      );
      const deal = await crm.create(
        'deal',
        {
          name: 'Fleet renewal',
          pipelineId: 'sales',
          contactId: contact.id,
          amount: 1200.5,
          currency: 'EUR',
        },
        user,
      );
      const due = Date.UTC(2026, 11, 24);
      const open = await crm.create(
        'task',
        { title: 'Send the quote', dueAt: due, priority: 3, recordType: 'deal', recordId: deal.id },
        user,
      );
      const done = await crm.create('task', { title: 'Book the demo', dueAt: due - 1 }, user);
      await crm.update('task', done.id, { status: 'done' }, user);
      Object.assign(ids, {
        company: company.id,
        contact: contact.id,
        call: call.id,
        note: note.id,
      });
      Object.assign(ids, { deal: deal.id, open: open.id, done: done.id });

      // Every event so far was dispatched (none matches the workflow); the move is not yet.
      const claimed = await store.crm.claimEvents({
        owner: 'source',
        now: Date.now(),
        leaseMs: 60_000,
        limit: 100,
      });
      expect(claimed.length).toBeGreaterThanOrEqual(7);
      await store.crm.completeEvents(claimed.map((e) => e.id));
      await crm.update('deal', deal.id, { stage: 'qualified' }, user);
      const pending = await store.crm.claimEvents({
        owner: 'stopped-server',
        now: Date.now(),
        leaseMs: 3_600_000,
        limit: 100,
      });
      expect(pending.map((e) => [e.recordType, e.event])).toEqual([['deal', 'stage_changed']]);
      pendingEventId = pending[0]!.id;

      const now = Date.now();
      await store.createNotifications(
        ['read', 'unread'].map((key, i) => ({
          id: `ntf_${key}`,
          userId: ownerId,
          key,
          title: `A ${key} notification`,
          body: 'Details',
          level: i === 0 ? 'success' : 'warning',
          link: { href: '/executions/exe_1', label: 'Open' },
          executionId: 'exe_1',
          createdAt: now + i,
        })),
      );
      await store.markNotificationRead({ userId: ownerId, id: 'ntf_read', now: now + 10 });
      notifications = await store.listNotifications({ userId: ownerId, limit: 10 });
      expect(notifications.map((n) => n.readAt === undefined)).toEqual([true, false]);
      before = await snapshot(crm, ids);
      expect(before.records['deal']?.['stage']).toBe('qualified');
      expect(before.tasks).toHaveLength(2);
      expect(before.links).toHaveLength(1);
    } finally {
      await store.close();
    }
  }, 120_000);

  afterAll(async () => {
    if (schema !== undefined) await dropTestSchema(schema);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('copies them; they read back identically; the pending entity event starts its workflow once', async () => {
    const migrated = await cli(
      ['migrate', '--to', databaseUrlWithSchema(schema)],
      { FLOWSTATE_DATA_DIR: dataDir },
      dir,
    );
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/notifications\s+2\n/);
    expect(migrated.stdout).toMatch(/CRM contacts\s+1\n/);
    expect(migrated.stdout).toMatch(/CRM activities\s+2\n/);
    expect(migrated.stdout).toMatch(/CRM tasks\s+2\n/);
    expect(migrated.stdout).toMatch(/CRM custom fields\s+1\n/);
    expect(migrated.stdout).toMatch(/CRM execution links\s+1\n/);
    expect(migrated.stdout).toMatch(/CRM entity events\s+\d+ \(1 not dispatched\)\n/);
    // No credentials: any key will do for the PostgreSQL server.
    const secretKey =
      /FLOWSTATE_SECRET_KEY=(\S+)/.exec(migrated.stdout)?.[1] ??
      Buffer.alloc(32, 7).toString('base64');

    const again = await cli(
      ['migrate', '--to', databaseUrlWithSchema(schema)],
      { FLOWSTATE_DATA_DIR: dataDir },
      dir,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/TARGET_NOT_EMPTY: .*notifications: 2.*crm_contacts: 1/);

    const server = await startServer(
      loadConfig({
        ...QUIET,
        DATABASE_URL: databaseUrlWithSchema(schema),
        FLOWSTATE_SECRET_KEY: secretKey,
        FLOWSTATE_DATA_DIR: join(dir, 'pg-server'),
      }),
      { logDestination: { write: () => undefined } },
    );
    try {
      const store = server.store as Store & { crm: CrmStore };
      const executions = await until('the pending event to start its workflow', async () => {
        const list = await store.listExecutions({ workflowId: 'on-deal-move', limit: 10 });
        return list.length > 0 ? list : undefined;
      });
      const run = await until('the started execution to finish', async () => {
        const e = await store.getExecution(executions[0]!.id);
        return e?.status === 'succeeded' ? e : undefined;
      });
      expect(run.output).toMatchObject({ eventId: pendingEventId, stage: 'qualified' });
      // Every event is dispatched now: even as if every lease had ended, none is left to claim
      // (the ones dispatched on the source stayed dispatched).
      await until('the dispatcher to complete the event', async () => {
        const left = await store.crm.claimEvents({
          owner: 'probe',
          now: FAR,
          leaseMs: 0,
          limit: 100,
        });
        return left.length === 0 ? true : undefined;
      });
      expect(await store.listExecutions({ workflowId: 'on-deal-move', limit: 10 })).toHaveLength(1);

      const crm = new CrmService({ store: store.crm });
      expect(await snapshot(crm, ids)).toEqual(before);
      expect(await store.listNotifications({ userId: ownerId, limit: 10 })).toEqual(notifications);
      expect(await store.countUnreadNotifications(ownerId)).toBe(1);

      // Full-text search finds the contact by name on PostgreSQL's generated column.
      const hits = await store.crm.search({ text: 'zelda quint', types: ['contact'], limit: 10 });
      expect(hits.map((h) => h.id)).toEqual([ids['contact']]);
      // New records and events number after the copied ones.
      const next = await crm.create('contact', { name: 'Yusuf After' }, { actor: 'system' });
      expect(next.id).not.toBe(ids['contact']);
      const events = await store.crm.listEvents({ limit: 100 });
      expect(events.at(-1)!.recordId).toBe(next.id);
      expect(events.at(-1)!.seq).toBeGreaterThan(events.at(-2)!.seq);
    } finally {
      await server.close();
    }
  }, 180_000);
});
