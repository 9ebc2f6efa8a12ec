import { afterEach, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import { createNotifier } from '../notifications/notifier.js';
import { createAccount } from '../testing/accounts.js';
import { apiClient } from '../testing/api-client.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, manual } from '../testing/workflows.js';

let fixture: ServerFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

function notifyWorkflow(params: Record<string, unknown>): Workflow {
  return chain('Notify', [
    manual(),
    { id: 'notify', type: 'notification.inapp', name: 'Notify', params, retry: { maxAttempts: 1 } },
  ]);
}

async function setup() {
  const f = (fixture = await makeServer());
  const call = apiClient(f);
  const run = async (params: Record<string, unknown>, id = 'wf') => {
    await call('POST', '/workflows?active=true', { id, ...notifyWorkflow(params) });
    const started = await call('POST', `/workflows/${id}/run?wait=10000`, {
      input: { deal: 'Acme' },
    });
    const body = started.body as {
      executionId: string;
      execution: { status: string; error?: { message: string } };
    };
    return { executionId: body.executionId, ...body.execution };
  };
  return { f, call, run };
}

describe('notifications API and notification.inapp', () => {
  test('a workflow notifies every user; each lists, counts and marks read their own', async () => {
    const { f, call, run } = await setup();
    const viewer = await createAccount(f, 'viewer');
    const result = await run({
      title: 'Deal {{ $trigger.deal }} won',
      body: 'Signed today',
      level: 'success',
      link: 'execution',
    });
    expect(result.status).toBe('succeeded');

    const mine = await call('GET', '/notifications');
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      items: [
        {
          id: expect.stringMatching(/^ntf_/),
          title: 'Deal Acme won',
          body: 'Signed today',
          level: 'success',
          link: { href: `/executions/${result.executionId}` },
          executionId: result.executionId,
          createdAt: expect.any(Number),
        },
      ],
      nextCursor: null,
      unreadCount: 1,
    });
    const theirs = await call('GET', '/notifications', undefined, viewer.keyHeaders);
    expect(theirs.body.items).toHaveLength(1);
    expect(theirs.body.items[0].id).not.toBe(mine.body.items[0].id);

    // The viewer cannot mark the owner's notification read.
    const foreign = await call(
      'POST',
      `/notifications/${mine.body.items[0].id}/read`,
      undefined,
      viewer.keyHeaders,
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOTIFICATION_NOT_FOUND');

    const read = await call('POST', `/notifications/${mine.body.items[0].id}/read`);
    expect(read).toMatchObject({ status: 200, body: { count: 0 } });
    expect((await call('GET', '/notifications?unread=true')).body.items).toEqual([]);
    expect((await call('GET', '/notifications')).body.items[0].readAt).toEqual(expect.any(Number));
    expect(
      (await call('GET', '/notifications/unread-count', undefined, viewer.keyHeaders)).body,
    ).toEqual({
      count: 1,
    });
    const all = await call('POST', '/notifications/read-all', undefined, viewer.keyHeaders);
    expect(all.body).toEqual({ marked: 1, count: 0 });
  });

  test('recipients by role and by email; unknown users fail the step clearly', async () => {
    const { f, call, run } = await setup();
    const editor = await createAccount(f, 'editor');
    const viewer = await createAccount(f, 'viewer');
    await run({ title: 'For editors and up', recipients: 'role', role: 'editor' }, 'by-role');
    await run(
      { title: 'For the viewer', recipients: 'users', users: [viewer.email.toUpperCase()] },
      'by-email',
    );
    const titles = async (headers?: Record<string, string>) =>
      (
        (await call('GET', '/notifications', undefined, headers)).body.items as { title: string }[]
      ).map((n) => n.title);
    expect(await titles()).toEqual(['For editors and up']);
    expect(await titles(editor.keyHeaders)).toEqual(['For editors and up']);
    expect(await titles(viewer.keyHeaders)).toEqual(['For the viewer']);

    const failed = await run(
      { title: 'x', recipients: 'users', users: ['nobody@example.com'] },
      'unknown',
    );
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed)).toContain(
      'users: no user with id or email \\"nobody@example.com\\"',
    );
  });

  test('the same idempotency key notifies once; pages follow the cursor', async () => {
    const { f, call } = await setup();
    let clock = 1_000;
    const notify = createNotifier({ store: f.store, now: () => (clock += 1) });
    const note = (key: string) => ({
      key,
      title: key,
      level: 'info' as const,
      executionId: 'exe_1',
      recipients: { kind: 'all' as const },
    });
    const first = await notify(note('exe_1:notify'));
    const again = await notify(note('exe_1:notify'));
    expect(again.notificationIds).toEqual(first.notificationIds);
    for (const key of ['k2', 'k3']) await notify(note(key));
    const page1 = await call('GET', '/notifications?limit=2');
    expect(page1.body.items.map((n: { title: string }) => n.title)).toEqual(['k3', 'k2']);
    const page2 = await call('GET', `/notifications?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ items: [{ title: 'exe_1:notify' }], nextCursor: null });
    const bad = await call('GET', '/notifications?cursor=nonsense');
    expect(bad.status).toBe(400);
  });

  test('notifications older than the retention days are pruned with the executions', async () => {
    const { f, call } = await setup();
    const day = 86_400_000;
    const at = (now: number) => createNotifier({ store: f.store, now: () => now });
    const note = (key: string) => ({
      key,
      title: key,
      level: 'info' as const,
      executionId: 'exe_1',
      recipients: { kind: 'all' as const },
    });
    await at(Date.now() - 40 * day)(note('old'));
    await at(Date.now())(note('new'));
    await call('PUT', '/settings/retention', { days: 30, failedDays: 60 });
    expect((await call('POST', '/executions/prune')).status).toBe(200);
    const left = (await call('GET', '/notifications')).body.items as { title: string }[];
    expect(left.map((n) => n.title)).toEqual(['new']);
  });
});
