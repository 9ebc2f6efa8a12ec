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

describe('CRM records API', () => {
  test('contacts: create, read, change, list with filters, sort and cursor pages, delete', async () => {
    const { call } = api;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await call('POST', '/crm/contacts', {
        name: `Person ${i}`,
        email: `p${i}@example.com`,
        ownerId: i % 2 ? 'ann' : 'bob',
        score: i * 10,
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    expect((await call('GET', `/crm/contacts/${ids[0]}`)).body).toMatchObject({
      name: 'Person 0',
      stage: null,
      custom: {},
    });
    const changed = await call('PATCH', `/crm/contacts/${ids[0]}`, { phone: '+1 555' });
    expect(changed.body.phone).toBe('+1 555');

    const pages: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await call(
        'GET',
        `/crm/contacts?ownerId=ann&sort=-score&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      pages.push(...page.body.items.map((c: { name: string }) => c.name));
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    expect(pages).toEqual(['Person 5', 'Person 3', 'Person 1']);
    const high = await call('GET', '/crm/contacts?score=gte:40&sort=score');
    expect(high.body.items.map((c: { score: number }) => c.score)).toEqual([40, 50, 60]);

    expect((await call('DELETE', `/crm/contacts/${ids[6]}`)).status).toBe(204);
    expect((await call('GET', `/crm/contacts/${ids[6]}`)).body.error.code).toBe(
      'CRM_RECORD_NOT_FOUND',
    );
    const events = await call('GET', `/crm/contacts/${ids[0]}/events`);
    expect(events.body.items.map((e: { event: string }) => e.event)).toEqual([
      'created',
      'updated',
    ]);
  });

  test.each([
    ['/crm/contacts?notes=x', 'INVALID_FILTER', /indexed fields email, companyId/],
    ['/crm/tasks?sort=title', 'INVALID_SORT', /allowed on createdAt, updatedAt, dueAt, priority/],
    ['/crm/tasks?dueAt=lt:soon', 'INVALID_FILTER', /needs a number/],
    ['/crm/tasks?cursor=bogus', 'INVALID_CURSOR', /not one of this list/],
  ])('GET %s is refused with %s', async (url, code, message) => {
    const res = await api.call('GET', url);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  test('stage rules: a prospect cannot be invited before its motivation is recorded (422 naming rule, field, stage)', async () => {
    const { call } = api;
    expect(
      (await call('PUT', '/crm/fields/contact/motivation', { label: 'Motivation', type: 'text' }))
        .status,
    ).toBe(200);
    const prospect = (
      await call('POST', '/crm/contacts', { name: 'Pat', pipelineId: 'network-marketing' })
    ).body;
    expect(prospect.stage).toBe('new-lead');
    const refused = await call('POST', `/crm/contacts/${prospect.id}/move`, { stage: 'invited' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('STAGE_RULE_FAILED');
    expect(refused.body.error.details).toEqual([
      {
        path: '/custom/motivation',
        code: 'requiredField',
        message: expect.stringMatching(
          /Stage "Invited \(qualified\)" requires custom.motivation.*rule requiredField of stage invited/,
        ),
      },
    ]);
    const skipped = await call('PATCH', `/crm/contacts/${prospect.id}`, {
      stage: 'decision',
      custom: { motivation: 'freedom' },
    });
    expect(skipped.status).toBe(422);
    expect(skipped.body.error.details[0]).toMatchObject({ path: '/stage', code: 'allowedFrom' });
    const invited = await call('PATCH', `/crm/contacts/${prospect.id}`, {
      stage: 'invited',
      custom: { motivation: 'freedom' },
    });
    expect(invited.status).toBe(200);
    expect(invited.body.stage).toBe('invited');
    const unknown = await call('POST', `/crm/contacts/${prospect.id}/move`, { stage: 'moon' });
    expect(unknown.body.error.code).toBe('STAGE_NOT_FOUND');
    const board = await call('GET', '/crm/pipelines/network-marketing/board');
    expect(
      board.body.stages
        .find((s: { stage: string }) => s.stage === 'invited')
        .items.map((c: { id: string }) => c.id),
    ).toEqual([prospect.id]);
  });

  test('custom fields are validated against their definitions', async () => {
    const { call } = api;
    await call('PUT', '/crm/fields/deal/source', {
      label: 'Source',
      type: 'select',
      options: ['ads', 'referral'],
    });
    const bad = await call('POST', '/crm/deals', {
      name: 'D',
      pipelineId: 'sales',
      custom: { source: 'tv', colour: 'red' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('INVALID_CUSTOM_FIELD');
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      '/custom/source',
      '/custom/colour',
    ]);
    const ok = await call('POST', '/crm/deals', {
      name: 'D',
      pipelineId: 'sales',
      custom: { source: 'ads' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.stage).toBe('lead');
    const wrongPipeline = await call('POST', '/crm/deals', {
      name: 'D',
      pipelineId: 'network-marketing',
    });
    expect(wrongPipeline.body.error.code).toBe('INVALID_RECORD');
    const strict = await call('POST', '/crm/deals', { name: 'D', pipelineId: 'sales', bogus: 1 });
    expect(strict.status).toBe(400);
  });

  test('search, activities raising the score, next best actions with reasons', async () => {
    const { call } = api;
    const lead = (
      await call('POST', '/crm/contacts', {
        name: 'Quinn Hotlead',
        email: 'quinn@hot.example',
        phone: '+1',
        ownerId: 'ann',
      })
    ).body;
    for (const kind of ['meeting', 'meeting', 'call']) {
      expect(
        (
          await call('POST', '/crm/activities', {
            kind,
            recordType: 'contact',
            recordId: lead.id,
            body: `${kind} about the premium plan`,
            occurredAt: Date.now() - 5 * 86_400_000,
          })
        ).status,
      ).toBe(201);
    }
    const scored = (await call('GET', `/crm/contacts/${lead.id}`)).body;
    expect(scored.score).toBeGreaterThanOrEqual(60);
    expect(scored.lastActivityAt).toBeLessThan(Date.now() - 4 * 86_400_000);
    const hits = await call('GET', '/crm/search?q=quinn');
    expect(hits.body.items).toEqual([
      expect.objectContaining({ type: 'contact', id: lead.id, title: 'Quinn Hotlead' }),
    ]);
    const notes = await call('GET', '/crm/search?q=premium&types=activity');
    expect(notes.body.items).toHaveLength(3);
    expect((await call('GET', '/crm/search?q=x&types=planet')).status).toBe(400);

    await call('POST', '/crm/tasks', {
      title: 'Send contract',
      dueAt: Date.now() - 3 * 3_600_000,
      priority: 4,
      assigneeId: 'ann',
    });
    const actions = (await call('GET', '/crm/next-best-actions?userId=ann')).body.items;
    expect(actions[0]).toMatchObject({
      kind: 'overdue-task',
      title: 'Send contract',
      reason: expect.stringMatching(/^Overdue by 3 h \(priority 4\)$/),
    });
    expect(actions).toContainEqual(
      expect.objectContaining({
        kind: 'hot-lead',
        recordId: lead.id,
        reason: expect.stringMatching(/^Score \d+, last activity 5 days ago$/),
      }),
    );
  });
});
