import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeServer, TEST_OWNER, type ServerFixture } from '../testing/server-fixture.js';
import { chain, manual } from '../testing/workflows.js';

let server: ServerFixture;
afterEach(async () => {
  await server.close();
});

async function api(method: string, url: string, payload?: object) {
  const res = await server.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), text: res.body };
}

/** Opens the fixture's database for direct edits, the way an attacker with the file would. */
function rawDatabase(): Database.Database {
  return new Database(join(server.dir, 'data', 'flowstate.db'));
}

async function makeChanges(): Promise<void> {
  await api('POST', '/workflows', { id: 'w1', ...chain('W', [manual()]) });
  await api('PUT', '/workflows/w1?publish=true', chain('W2', [manual()]));
  await api('POST', '/workflows/w1/activate');
  const cred = (
    await api('POST', '/credentials', {
      name: 'c',
      type: 'bearer',
      data: { token: 'tok-secret-1' },
    })
  ).body;
  await api('PATCH', `/credentials/${cred.id}`, { data: { token: 'tok-secret-2' } });
  await api('DELETE', `/credentials/${cred.id}`);
  const user = (
    await api('POST', '/users', {
      email: 'v@example.com',
      password: 'viewer password',
      role: 'viewer',
    })
  ).body;
  await api('PATCH', `/users/${user.id}`, { role: 'editor' });
  await api('DELETE', '/workflows/w1');
}

describe('audit log', () => {
  test('records who changed what, newest first, without secrets; admins only', async () => {
    server = await makeServer();
    await makeChanges();
    const { body, text } = await api('GET', '/audit?limit=100');
    expect(body.items.map((e: { action: string }) => e.action).reverse()).toEqual([
      'user.setup',
      'api-key.create',
      'workflow.create',
      'workflow.update',
      'workflow.activate',
      'credential.create',
      'credential.update',
      'credential.delete',
      'user.create',
      'user.update',
      'workflow.delete',
    ]);
    expect(text).not.toContain('tok-secret');
    expect(text).not.toMatch(/scrypt|passwordHash/);
    const update = body.items.find((e: { action: string }) => e.action === 'user.update');
    expect(update).toMatchObject({
      actor: { type: 'api-key', label: `${TEST_OWNER.email} (tests)` },
      target: { type: 'user' },
      summary: { before: { role: 'viewer' }, after: { role: 'editor' } },
    });
    const credentialUpdate = body.items.find(
      (e: { action: string }) => e.action === 'credential.update',
    );
    expect(credentialUpdate.summary.secretsChanged).toEqual(['token']);
    const workflowUpdate = body.items.find(
      (e: { action: string }) => e.action === 'workflow.update',
    );
    expect(workflowUpdate.summary).toEqual({
      after: { name: 'W2', draftVersion: 2, publishedVersion: 2, active: false },
    });

    const page = await api('GET', '/audit?limit=4');
    expect(page.body.items.map((e: { seq: number }) => e.seq)).toEqual([11, 10, 9, 8]);
    const next = await api('GET', `/audit?limit=4&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((e: { seq: number }) => e.seq)).toEqual([7, 6, 5, 4]);
    const filtered = await api('GET', '/audit?targetType=workflow&targetId=w1');
    expect(filtered.body.items).toHaveLength(4);
    expect((await api('GET', '/audit?action=user.create')).body.items).toHaveLength(1);
    expect((await api('GET', '/audit?limit=0')).status).toBe(400);
    expect((await api('GET', '/audit?cursor=abc')).status).toBe(400);
    expect((await api('GET', '/audit/verify')).body).toEqual({
      ok: true,
      checked: 11,
      head: { seq: 11, hash: body.items[0].hash },
    });
  });

  test('the table refuses updates and deletes', async () => {
    server = await makeServer();
    const db = rawDatabase();
    try {
      expect(() => db.prepare("UPDATE audit_log SET action = 'x' WHERE seq = 1").run()).toThrow(
        /append-only/,
      );
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  test.each([
    [
      'an altered summary',
      "UPDATE audit_log SET summary = json_set(summary, '$.after.role', 'owner') WHERE seq = 10",
      10,
      /entry 10 \(user.update user usr_.*\) was altered/,
    ],
    [
      'an altered actor',
      `UPDATE audit_log SET actor = '{"type":"user","id":"someone-else"}' WHERE seq = 5`,
      5,
      /entry 5 .* was altered/,
    ],
    ['a deleted entry', 'DELETE FROM audit_log WHERE seq = 7', 7, /entry 7 is missing/],
    [
      'a replaced hash',
      "UPDATE audit_log SET hash = (CASE WHEN hash LIKE 'f%' THEN 'e' ELSE 'f' END) || substr(hash, 2) WHERE seq = 3",
      3,
      /entry 3 .* was altered/,
    ],
  ])('verification names the first bad entry after %s', async (_name, sql, seq, reason) => {
    server = await makeServer();
    await makeChanges();
    const db = rawDatabase();
    try {
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      db.exec(sql);
    } finally {
      db.close();
    }
    const { body } = await api('GET', '/audit/verify');
    expect(body).toMatchObject({
      ok: false,
      firstBad: { seq, reason: expect.stringMatching(reason) },
    });
  });
});
