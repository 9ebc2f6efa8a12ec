import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../../testing/server-fixture.js';
import { crmApi } from './crm-test-helpers.js';

let f: ServerFixture;
let api: ReturnType<typeof crmApi>;
beforeAll(async () => {
  f = await makeServer();
  api = crmApi(f);
});
afterAll(async () => {
  await f.close();
});

describe('CRM events drive workflows', () => {
  test('an installed template runs when a deal changes stage; its task and runs are linked to the deal', async () => {
    const { call, eventually, finished } = api;
    const templates = (await call('GET', '/crm/templates')).body.items.map(
      (t: { id: string }) => t.id,
    );
    expect(templates).toEqual([
      'lead-assignment',
      'deal-stage-follow-up',
      'hot-lead-rush',
      'no-show-follow-up',
      'task-due-reminder',
      'inactivity-nudge',
    ]);
    const bad = await call('POST', '/crm/templates/deal-stage-follow-up/install', {
      params: { followUpDays: -1 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe('/params/followUpDays');
    const installed = await call('POST', '/crm/templates/deal-stage-follow-up/install', {
      params: { stage: 'qualified', followUpDays: 1 },
    });
    expect(installed.status).toBe(201);
    expect(installed.body).toMatchObject({ active: true, publishedVersion: 1 });

    const contact = (await call('POST', '/crm/contacts', { name: 'Dana' })).body;
    const deal = (
      await call('POST', '/crm/deals', {
        name: 'Acme renewal',
        pipelineId: 'sales',
        ownerId: 'ann',
      })
    ).body;
    const moved = await call('POST', `/crm/deals/${deal.id}/move`, { stage: 'qualified' });
    expect(moved.status).toBe(422); // qualified needs a contact
    await call('PATCH', `/crm/deals/${deal.id}`, { contactId: contact.id, stage: 'qualified' });

    const runs = await eventually(async () => {
      const res = await call('GET', `/crm/deals/${deal.id}/runs`);
      return res.body.items.length > 0 ? res.body.items : undefined;
    }, 'the follow-up run');
    expect(runs).toEqual([
      expect.objectContaining({ workflowId: installed.body.workflowId, source: 'trigger' }),
    ]);
    const execution = await finished(runs[0].executionId);
    expect(execution.status).toBe('succeeded');
    expect(execution.input).toMatchObject({
      type: 'deal',
      event: 'stage_changed',
      id: deal.id,
      changed: expect.arrayContaining(['stage', 'contactId']),
    });
    const tasks = (await call('GET', `/crm/tasks?recordType=deal&recordId=${deal.id}`)).body.items;
    expect(tasks).toEqual([
      expect.objectContaining({
        title: 'Follow up on Acme renewal (qualified)',
        assigneeId: 'ann',
      }),
    ]);
    const taskRuns = (await call('GET', `/crm/tasks/${tasks[0].id}/runs`)).body.items;
    expect(taskRuns).toEqual([
      expect.objectContaining({
        executionId: runs[0].executionId,
        source: 'step',
        status: 'succeeded',
      }),
    ]);
    // Only the stage the trigger names starts it; a second move starts nothing more.
    await call('PATCH', `/crm/deals/${deal.id}`, { amount: 5000, stage: 'proposal' });
    await f.app.crm!.dispatcher!.drain();
    expect(
      await f.store.listExecutions({ workflowId: installed.body.workflowId, limit: 10 }),
    ).toHaveLength(1);
  });

  test('an event dispatched again (a crash before it was marked done) starts no second execution', async () => {
    const { call, eventually } = api;
    const installed = (
      await call('POST', '/crm/templates/lead-assignment/install', {
        params: { users: ['ann', 'bob'] },
      })
    ).body;
    const first = (await call('POST', '/crm/contacts', { name: 'Eve' })).body;
    const second = (await call('POST', '/crm/contacts', { name: 'Finn' })).body;
    const owners = await eventually(async () => {
      const a = (await call('GET', `/crm/contacts/${first.id}`)).body.ownerId;
      const b = (await call('GET', `/crm/contacts/${second.id}`)).body.ownerId;
      return a && b ? [a, b] : undefined;
    }, 'owners assigned');
    expect(owners.sort()).toEqual(['ann', 'bob']);
    const [created] = await f.crm.store.listEvents({
      recordType: 'contact',
      recordId: first.id,
      limit: 1,
    });
    const dispatcher = f.app.crm!.dispatcher!;
    const again = await dispatcher.dispatch(created!);
    expect(again).toEqual([
      expect.objectContaining({ workflowId: installed.workflowId, duplicate: true }),
    ]);
    const executions = await f.store.listExecutions({
      workflowId: installed.workflowId,
      limit: 10,
    });
    expect(executions).toHaveLength(2);
  });

  test('an event for a workflow deleted since the index saw it is skipped, not retried forever', async () => {
    const crm = f.app.crm!;
    const definition = {
      schemaVersion: 1 as const,
      name: 'Ghost',
      nodes: [
        {
          id: 'on',
          type: 'trigger.entity',
          name: 'On',
          params: { recordType: 'company', events: ['created'] },
        },
      ],
      edges: [],
    };
    await crm.triggers.sync('ghost', { version: 1, definition: definition as never });
    try {
      const company = await crm.service.create(
        'company',
        { name: 'Ghost Co' },
        { actor: 'system' },
      );
      const [event] = await crm.service.store.listEvents({
        recordType: 'company',
        recordId: company.id,
        limit: 1,
      });
      // Dispatched without the refresh a batch does first: the index still names the workflow.
      expect(await crm.dispatcher!.dispatch(event!)).toEqual([]);
    } finally {
      await crm.triggers.sync('ghost', undefined);
    }
  });

  test('a crm.move-stage refused by a rule fails the step with the rule, without retries', async () => {
    const { call, eventually, finished } = api;
    const workflow = {
      id: 'invite-on-create',
      schemaVersion: 1,
      name: 'Invite on create',
      nodes: [
        {
          id: 'on',
          type: 'trigger.entity',
          name: 'On',
          params: {
            recordType: 'contact',
            events: ['created'],
            where: "record.source = 'invite-test'",
          },
        },
        {
          id: 'move',
          type: 'crm.move-stage',
          name: 'Move',
          params: { recordType: 'contact', id: '{{ $trigger.id }}', stage: 'invited' },
          retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 10, maxDelayMs: 10, jitter: false },
        },
      ],
      edges: [{ id: 'e', from: 'on', to: 'move' }],
    };
    expect((await call('POST', '/workflows?active=true', workflow)).status).toBe(201);
    const prospect = (
      await call('POST', '/crm/contacts', {
        name: 'Gus',
        pipelineId: 'network-marketing',
        source: 'invite-test',
      })
    ).body;
    const run = await eventually(async () => {
      const items = (await call('GET', `/crm/contacts/${prospect.id}/runs`)).body.items;
      return items.find((r: { workflowId: string }) => r.workflowId === 'invite-on-create');
    }, 'the run');
    const execution = await finished(run.executionId);
    expect(execution.status).toBe('failed');
    const detail = await f.store.loadExecution(run.executionId);
    const step = detail!.steps.find((s) => s.nodeId === 'move')!;
    expect(step.attempt).toBe(1);
    expect(step.error).toMatchObject({
      code: 'STAGE_RULE_FAILED',
      retriable: false,
      message: expect.stringContaining('requires custom.motivation'),
    });
  });

  test('crm.assign-owner by rule: the first rule whose JSONata holds, else the fallback', async () => {
    const own = await makeServer();
    try {
      const { call, eventually } = crmApi(own);
      const workflow = {
        id: 'assign-by-rule',
        schemaVersion: 1,
        name: 'Assign by rule',
        nodes: [
          {
            id: 'on',
            type: 'trigger.entity',
            name: 'On',
            params: { recordType: 'contact', events: ['created'] },
          },
          {
            id: 'assign',
            type: 'crm.assign-owner',
            name: 'Assign',
            params: {
              recordType: 'contact',
              id: '{{ $trigger.id }}',
              strategy: 'rule',
              rules: [
                { when: "$record.source = 'ads' and $record.score >= 50", ownerId: 'closer' },
                { when: "$record.source = 'ads'", ownerId: 'nurturer' },
              ],
              fallback: 'inbox',
            },
          },
        ],
        edges: [{ id: 'e', from: 'on', to: 'assign' }],
      };
      expect((await call('POST', '/workflows?active=true', workflow)).status).toBe(201);
      const ids: string[] = [];
      for (const body of [
        { source: 'ads', score: 70 },
        { source: 'ads', score: 10 },
        { source: 'web', score: 90 },
      ]) {
        ids.push((await call('POST', '/crm/contacts', { name: 'Lead', ...body })).body.id);
      }
      const owners = await eventually(async () => {
        const list = await Promise.all(
          ids.map(async (id) => (await call('GET', `/crm/contacts/${id}`)).body.ownerId),
        );
        return list.every((o) => o !== null) ? list : undefined;
      }, 'owners');
      expect(owners).toEqual(['closer', 'nurturer', 'inbox']);
    } finally {
      await own.close();
    }
  });

  test('export and erase one contact: records, events and the journals of workflows that touched it', async () => {
    // A server of its own: the workflows installed above would touch this contact too.
    const own = await makeServer();
    const { call, eventually, finished } = crmApi(own);
    const f = own;
    const workflow = {
      id: 'note-on-create',
      schemaVersion: 1,
      name: 'Note on create',
      nodes: [
        {
          id: 'on',
          type: 'trigger.entity',
          name: 'On',
          params: {
            recordType: 'contact',
            events: ['created'],
            where: "record.source = 'erase-test'",
          },
        },
        {
          id: 'log',
          type: 'crm.log-activity',
          name: 'Log',
          params: {
            kind: 'email',
            recordType: 'contact',
            recordId: '{{ $trigger.id }}',
            subject: 'Welcome {{ $trigger.record.name }}',
            body: 'Sent to {{ $trigger.record.email }}',
          },
        },
      ],
      edges: [{ id: 'e', from: 'on', to: 'log' }],
    };
    await call('POST', '/workflows?active=true', workflow);
    const zoe = (
      await call('POST', '/crm/contacts', {
        name: 'Zoe Private',
        email: 'zoe@private.example',
        source: 'erase-test',
      })
    ).body;
    await call('POST', '/crm/tasks', {
      title: 'Call Zoe Private',
      dueAt: Date.now(),
      recordType: 'contact',
      recordId: zoe.id,
    });
    const [run] = await eventually(async () => {
      const items = (await call('GET', `/crm/contacts/${zoe.id}/runs`)).body.items;
      return items.length ? items : undefined;
    }, 'the run');
    expect((await finished(run.executionId)).status).toBe('succeeded');

    const exported = await call('GET', `/crm/contacts/${zoe.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.contact.email).toBe('zoe@private.example');
    expect(exported.body.activities).toEqual([
      expect.objectContaining({ subject: 'Welcome Zoe Private' }),
    ]);
    expect(exported.body.tasks).toHaveLength(1);
    expect(exported.body.executions.map((e: { executionId: string }) => e.executionId)).toContain(
      run.executionId,
    );

    const erased = await call('POST', `/crm/contacts/${zoe.id}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      activities: 1,
      tasks: 1,
      executionsScrubbed: [run.executionId],
      executionsPending: [],
    });
    expect(erased.body.valuesErased).toBeGreaterThan(3);
    const journal = JSON.stringify(await f.store.loadExecution(run.executionId));
    expect(journal).not.toMatch(/zoe@private\.example|Zoe Private/);
    expect(journal).toContain('[erased]');
    const crmLeft = JSON.stringify(await f.crm.store.listEvents({ limit: 10_000 }));
    expect(crmLeft).not.toMatch(/zoe@private\.example|Zoe Private/);
    expect((await call('GET', '/crm/search?q=zoe')).body.items).toEqual([]);
    const audit = (await call('GET', '/audit?action=crm.contact.erase')).body;
    expect(JSON.stringify(audit)).toContain(zoe.id);
    expect(JSON.stringify(audit)).not.toContain('zoe@private');
    await own.close();
  });
});
