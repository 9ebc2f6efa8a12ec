import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CrmService } from '../crm-service.js';
import type { CrmStore, StoredRecord } from '../crm-store.js';
import { CrmError } from '../errors.js';
import { NETWORK_PIPELINE_ID, SALES_PIPELINE_ID } from '../pipelines.js';
import { recordDefaults } from '../records.js';

/** A fresh, empty store for one test, and how to dispose of it. */
export interface CrmStoreFixture {
  store: CrmStore;
  cleanup(): Promise<void>;
}

const USER = { actor: 'user:u1' };

function task(i: number, base = 1_700_000_000_000): StoredRecord {
  return {
    ...recordDefaults('task', base),
    id: `t${String(i).padStart(3, '0')}`,
    title: `Task ${i}`,
    dueAt: base + (i % 7) * 1000,
    priority: (i % 4) + 1,
    assigneeId: i % 3 === 0 ? 'ann' : 'bob',
    status: i % 5 === 0 ? 'done' : 'open',
    createdAt: base + i,
    updatedAt: base + i,
  } as StoredRecord;
}

/**
 * The `CrmStore` contract: every adapter (SQLite, PostgreSQL) runs these cases against a real
 * database, through the `CrmService` where the case is about rules.
 */
export function crmStoreContract(name: string, make: () => Promise<CrmStoreFixture>): void {
  describe(`CrmStore contract: ${name}`, () => {
    let fixture: CrmStoreFixture;
    let store: CrmStore;
    let crm: CrmService;
    let clock = 1_700_000_000_000;
    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
      crm = new CrmService({ store, now: () => clock });
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    test('a created record and its event are stored together; updates and deletes write events', async () => {
      const contact = await crm.create(
        'contact',
        { name: 'Ann Lee', email: 'ann@example.com', custom: {} },
        USER,
      );
      expect(await store.getRecord('contact', contact.id)).toEqual(contact);
      clock += 10;
      const updated = await crm.update('contact', contact.id, { phone: '+44 1' }, USER);
      expect(updated['phone']).toBe('+44 1');
      expect(updated['updatedAt']).toBe(clock);
      await crm.delete('contact', contact.id, USER);
      expect(await store.getRecord('contact', contact.id)).toBeUndefined();
      const events = await store.listEvents({
        recordType: 'contact',
        recordId: contact.id,
        limit: 10,
      });
      expect(events.map((e) => e.event)).toEqual(['created', 'updated', 'deleted']);
      expect(events[1]!.changed).toEqual(['phone']);
      expect(events[1]!.previous?.['phone']).toBeNull();
      expect(events[0]!.seq).toBeLessThan(events[1]!.seq);
    });

    test('a refused stage change writes neither the record nor an event', async () => {
      const prospect = await crm.create(
        'contact',
        { name: 'Pat', pipelineId: NETWORK_PIPELINE_ID },
        USER,
      );
      expect(prospect['stage']).toBe('new-lead');
      const refused = await crm
        .update('contact', prospect.id, { stage: 'invited' }, USER)
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CrmError);
      expect((refused as CrmError).code).toBe('STAGE_RULE_FAILED');
      expect((refused as CrmError).details).toEqual([
        expect.objectContaining({ path: '/custom/motivation', code: 'requiredField' }),
      ]);
      expect((await store.getRecord('contact', prospect.id))!['stage']).toBe('new-lead');
      expect(await store.listEvents({ recordId: prospect.id, limit: 10 })).toHaveLength(1);
      await store.putFieldDefinition(
        {
          recordType: 'contact',
          key: 'motivation',
          label: 'Motivation',
          type: 'text',
          required: false,
        },
        clock,
      );
      const moved = await crm.update(
        'contact',
        prospect.id,
        { stage: 'invited', custom: { motivation: 'more time with family' } },
        USER,
      );
      expect(moved['stage']).toBe('invited');
      const events = await store.listEvents({ recordId: prospect.id, limit: 10 });
      expect(events.map((e) => e.event)).toEqual(['created', 'stage_changed']);
      expect(events[1]!.changed).toEqual(expect.arrayContaining(['stage', 'custom.motivation']));
    });

    test('lists filter and sort on indexed fields with keyset pages that cover every row once', async () => {
      const tasks = Array.from({ length: 45 }, (_, i) => task(i));
      await store.importRecords({ type: 'task', records: tasks });
      for (const [sort, direction] of [
        ['dueAt', 'asc'],
        ['priority', 'desc'],
        ['createdAt', 'desc'],
      ] as const) {
        const seen: string[] = [];
        let after: { value: string | number; id: string } | undefined;
        for (let page = 0; page < 20; page++) {
          const result = await store.listRecords('task', {
            filters: [
              { field: 'assigneeId', op: 'eq', value: 'bob' },
              { field: 'status', op: 'eq', value: 'open' },
            ],
            sort: { field: sort, direction },
            limit: 7,
            ...(after ? { after } : {}),
          });
          seen.push(...result.items.map((t) => t.id));
          if (result.nextCursor === undefined) break;
          const last = result.items[result.items.length - 1]!;
          after = { value: last[sort] as number, id: last.id };
        }
        const sign = direction === 'asc' ? 1 : -1;
        const expected = tasks
          .filter((t) => t['assigneeId'] === 'bob' && t['status'] === 'open')
          .sort(
            (a, b) => sign * (Number(a[sort]) - Number(b[sort])) || sign * (a.id < b.id ? -1 : 1),
          )
          .map((t) => t.id);
        expect(seen).toEqual(expected);
      }
      const overdue = await store.listRecords('task', {
        filters: [
          { field: 'dueAt', op: 'lt', value: 1_700_000_002_000 },
          { field: 'recordId', op: 'eq', value: null },
        ],
        sort: { field: 'dueAt', direction: 'asc' },
        limit: 100,
      });
      expect(overdue.items.length).toBe(
        tasks.filter((t) => Number(t['dueAt']) < 1_700_000_002_000).length,
      );
    });

    test('full-text search finds names, emails and notes by word prefix and follows changes', async () => {
      const ann = await crm.create('contact', { name: 'Ann Lee', email: 'ann.lee@acme.io' }, USER);
      await crm.create('contact', { name: 'Bob Stone', notes: 'met at the Zürich fair' }, USER);
      await crm.create(
        'activity',
        { kind: 'note', recordType: 'contact', recordId: ann.id, body: 'Wants the premium bundle' },
        USER,
      );
      const types = ['contact', 'company', 'deal', 'task', 'activity'] as const;
      expect((await store.search({ text: 'ann', types, limit: 10 })).map((h) => h.id)).toEqual([
        ann.id,
      ]);
      expect((await store.search({ text: 'acme.io', types, limit: 10 })).map((h) => h.id)).toEqual([
        ann.id,
      ]);
      expect((await store.search({ text: 'Zür', types, limit: 10 })).map((h) => h.title)).toEqual([
        'Bob Stone',
      ]);
      const premium = await store.search({ text: 'premium bund', types, limit: 10 });
      expect(premium).toEqual([
        expect.objectContaining({ type: 'activity', recordType: 'contact', recordId: ann.id }),
      ]);
      await crm.update('contact', ann.id, { name: 'Annabel Lee' }, USER);
      expect((await store.search({ text: 'annabel', types, limit: 10 })).map((h) => h.id)).toEqual([
        ann.id,
      ]);
      await crm.delete('contact', ann.id, USER);
      expect(await store.search({ text: 'annabel', types: ['contact'], limit: 10 })).toEqual([]);
      expect(await store.search({ text: '"*:()', types, limit: 10 })).toEqual([]);
    });

    test('pipelines and field definitions are stored; default pipelines are created once', async () => {
      await crm.ensureDefaults();
      const ids = (await store.listPipelines()).map((p) => p.id);
      expect(ids).toEqual(expect.arrayContaining([SALES_PIPELINE_ID, NETWORK_PIPELINE_ID]));
      expect(await store.deletePipeline(SALES_PIPELINE_ID)).toBe(true);
      expect(await store.getPipeline(SALES_PIPELINE_ID)).toBeUndefined();
      await store.putFieldDefinition(
        {
          recordType: 'deal',
          key: 'source',
          label: 'Source',
          type: 'select',
          options: ['ads', 'referral'],
          required: false,
        },
        clock,
      );
      expect((await store.listFieldDefinitions('deal')).map((d) => d.key)).toEqual(['source']);
      expect(await store.deleteFieldDefinition('deal', 'source')).toBe(true);
      expect(await store.listFieldDefinitions('deal')).toEqual([]);
    });

    test('events are claimed by one dispatcher at a time until done or the lease ends', async () => {
      for (let i = 0; i < 5; i++) await crm.create('company', { name: `Co ${i}` }, USER);
      const a = await store.claimEvents({ owner: 'a', now: 1000, leaseMs: 100, limit: 3 });
      const b = await store.claimEvents({ owner: 'b', now: 1000, leaseMs: 100, limit: 3 });
      expect(a).toHaveLength(3);
      expect(b).toHaveLength(2);
      expect(new Set([...a, ...b].map((e) => e.id)).size).toBe(5);
      await store.completeEvents(a.map((e) => e.id));
      const again = await store.claimEvents({ owner: 'c', now: 1200, leaseMs: 100, limit: 10 });
      expect(again.map((e) => e.id).sort()).toEqual(b.map((e) => e.id).sort());
    });

    test('counters, execution links and bulk import', async () => {
      expect([
        await store.nextCounter('rr'),
        await store.nextCounter('rr'),
        await store.nextCounter('x'),
      ]).toEqual([1, 2, 1]);
      const link = {
        recordType: 'contact' as const,
        recordId: 'c1',
        executionId: 'e1',
        workflowId: 'w1',
        source: 'trigger' as const,
        createdAt: 5,
      };
      await store.linkExecution(link);
      await store.linkExecution(link);
      expect(await store.listExecutionLinks('contact', 'c1')).toEqual([link]);
    });

    test('erasing a contact removes it, its activities, tasks and events, and unlinks deals', async () => {
      const ann = await crm.create('contact', { name: 'Ann Lee', email: 'ann@example.com' }, USER);
      const bob = await crm.create('contact', { name: 'Bob' }, USER);
      await crm.create(
        'activity',
        { kind: 'call', recordType: 'contact', recordId: ann.id, body: 'Ann said yes' },
        USER,
      );
      await crm.create(
        'task',
        { title: 'Call Ann', dueAt: clock, recordType: 'contact', recordId: ann.id },
        USER,
      );
      await crm.create(
        'task',
        { title: 'Call Bob', dueAt: clock, recordType: 'contact', recordId: bob.id },
        USER,
      );
      const deal = await crm.create(
        'deal',
        { name: 'Big', pipelineId: SALES_PIPELINE_ID, contactId: ann.id },
        USER,
      );
      await store.linkExecution({
        recordType: 'contact',
        recordId: ann.id,
        executionId: 'e1',
        workflowId: 'w1',
        source: 'step',
        createdAt: 1,
      });
      const result = await store.eraseContact(ann.id);
      expect(result).toMatchObject({ activities: 1, tasks: 1, deals: 1 });
      expect(result.contact?.['email']).toBe('ann@example.com');
      expect(result.executions.map((l) => l.executionId)).toEqual(['e1']);
      expect(await store.getRecord('contact', ann.id)).toBeUndefined();
      expect((await store.getRecord('deal', deal.id))!['contactId']).toBeNull();
      const remaining = await store.listEvents({ limit: 100 });
      expect(JSON.stringify(remaining)).not.toContain('ann@example.com');
      expect(JSON.stringify(remaining)).not.toContain('Ann said yes');
      expect(
        await store.search({ text: 'ann', types: ['contact', 'activity', 'task'], limit: 10 }),
      ).toEqual([]);
      expect(await store.getRecord('contact', bob.id)).toBeDefined();
    });
  });
}
