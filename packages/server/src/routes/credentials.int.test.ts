import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Redactor } from '@flowstate/engine';
import { afterEach, describe, expect, test } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { CredentialService } from '../credentials/credential-service.js';
import { Keyring } from '../credentials/keyring.js';
import { createAccount } from '../testing/accounts.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';

let server: ServerFixture;
afterEach(async () => {
  await server.close();
});

async function call(method: string, url: string, payload?: object, headers?: object) {
  const res = await server.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
    ...(headers ? { headers: headers as Record<string, string> } : {}),
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), text: res.body };
}

const SECRET = 'sk_live_4242424242_canary';

const EXAMPLES = [
  { type: 'header', data: { name: 'X-Api-Key', value: SECRET }, fields: { name: 'X-Api-Key' } },
  { type: 'bearer', data: { token: SECRET }, fields: {} },
  { type: 'basic', data: { username: 'ada', password: SECRET }, fields: { username: 'ada' } },
  {
    type: 'smtp',
    data: { host: 'smtp.example.com', username: 'ada', password: SECRET },
    fields: { host: 'smtp.example.com', port: 587, secure: false, username: 'ada' },
  },
  { type: 'database-url', data: { url: `postgres://app:${SECRET}@db/app` }, fields: {} },
  {
    type: 'oauth2-client-credentials',
    data: { tokenUrl: 'https://auth.example.com/token', clientId: 'id-1', clientSecret: SECRET },
    fields: { tokenUrl: 'https://auth.example.com/token', clientId: 'id-1' },
  },
  { type: 'secret', data: { value: SECRET }, fields: {} },
  { type: 'webhook-url', data: { url: `https://hooks.slack.com/services/${SECRET}` }, fields: {} },
] as const;

describe('credentials API', () => {
  test.each(EXAMPLES)('$type: stored encrypted, shown without its secret', async (example) => {
    server = await makeServer();
    const created = await call('POST', '/credentials', {
      name: `My ${example.type}`,
      type: example.type,
      data: example.data,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^cred_/),
      name: `My ${example.type}`,
      type: example.type,
      fields: example.fields,
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    const { id } = created.body;
    for (const res of [
      created,
      await call('GET', `/credentials/${id}`),
      await call('GET', '/credentials'),
    ])
      expect(res.text).not.toContain(SECRET);
    const resolved = await server.credentials.resolve(id);
    expect(resolved?.data).toMatchObject(example.data);
    const db = new Database(join(server.dir, 'data', 'flowstate.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM credentials WHERE id = ?').get(id);
      expect(JSON.stringify(row)).not.toContain(SECRET);
      expect(JSON.stringify(row)).not.toContain('4242424242');
    } finally {
      db.close();
    }
  });

  test('bad input: unknown type, fields per schema, duplicate names, unknown ids', async () => {
    server = await makeServer();
    const unknown = await call('POST', '/credentials', { name: 'x', type: 'kerberos', data: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('use one of header, bearer, basic');
    const bad = await call('POST', '/credentials', {
      name: 'x',
      type: 'header',
      data: { name: 'bad header', value: '', extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '/data',
      '/data/name',
      '/data/value',
    ]);
    expect((await call('POST', '/credentials', { type: 'bearer', data: {} })).status).toBe(400);
    await call('POST', '/credentials', { name: 'dup', type: 'bearer', data: { token: 'aaaa' } });
    const dup = await call('POST', '/credentials', {
      name: 'dup',
      type: 'secret',
      data: { value: 'b' },
    });
    expect(dup).toMatchObject({ status: 409, body: { error: { code: 'CREDENTIAL_NAME_TAKEN' } } });
    expect((await call('GET', '/credentials/cred_nope')).status).toBe(404);
    expect((await call('PATCH', '/credentials/cred_nope', { name: 'y' })).status).toBe(404);
    expect((await call('DELETE', '/credentials/cred_nope')).status).toBe(404);
    expect((await call('PATCH', '/credentials/cred_nope', {})).status).toBe(400);
  });

  test('update merges fields, so a user name changes without retyping the password', async () => {
    server = await makeServer();
    const { body } = await call('POST', '/credentials', {
      name: 'API',
      type: 'basic',
      data: { username: 'ada', password: SECRET },
    });
    const updated = await call('PATCH', `/credentials/${body.id}`, {
      name: 'API (prod)',
      data: { username: 'grace' },
    });
    expect(updated.body).toMatchObject({ name: 'API (prod)', fields: { username: 'grace' } });
    expect((await server.credentials.resolve(body.id))?.data).toEqual({
      username: 'grace',
      password: SECRET,
    });
    const invalid = await call('PATCH', `/credentials/${body.id}`, { data: { password: '' } });
    expect(invalid.status).toBe(400);
    expect((await call('DELETE', `/credentials/${body.id}`)).status).toBe(204);
    expect((await call('GET', `/credentials/${body.id}`)).status).toBe(404);
  });

  test('editors may list credentials; only admins change them; viewers see none', async () => {
    server = await makeServer();
    const editor = await createAccount(server, 'editor');
    const viewer = await createAccount(server, 'viewer');
    const { body } = await call('POST', '/credentials', {
      name: 'T',
      type: 'bearer',
      data: { token: SECRET },
    });
    expect((await call('GET', '/credentials', undefined, editor.keyHeaders)).status).toBe(200);
    expect(
      (await call('GET', '/credential-types', undefined, editor.keyHeaders)).body.items,
    ).toHaveLength(EXAMPLES.length);
    expect((await call('GET', '/credentials', undefined, viewer.keyHeaders)).status).toBe(403);
    for (const [method, url] of [
      ['POST', '/credentials'],
      ['PATCH', `/credentials/${body.id}`],
      ['DELETE', `/credentials/${body.id}`],
      ['POST', '/credentials/rotate'],
    ] as const) {
      expect((await call(method, url, { name: 'x' }, editor.keyHeaders)).status).toBe(403);
    }
  });

  test('a ciphertext copied onto another credential does not decrypt', async () => {
    server = await makeServer();
    const a = (
      await call('POST', '/credentials', { name: 'a', type: 'bearer', data: { token: 'aaaa' } })
    ).body;
    const b = (
      await call('POST', '/credentials', { name: 'b', type: 'bearer', data: { token: 'bbbb' } })
    ).body;
    const db = new Database(join(server.dir, 'data', 'flowstate.db'));
    try {
      db.prepare(
        'UPDATE credentials SET ciphertext = (SELECT ciphertext FROM credentials WHERE id = ?) WHERE id = ?',
      ).run(a.id, b.id);
    } finally {
      db.close();
    }
    await expect(server.credentials.resolve(b.id)).rejects.toThrow(/moved from another credential/);
  });
});

describe('key rotation', () => {
  test('old rows stay readable under a new key; rotate re-encrypts them', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    server = await makeServer();
    const redactor = new Redactor();
    const audit = new AuditLog(server.store);
    const before = new CredentialService({
      store: server.store,
      keyring: new Keyring(oldKey),
      audit,
      redactor,
    });
    const actor = { type: 'cli' as const, id: 'test' };
    const created = await Promise.all(
      ['one', 'two'].map((name) =>
        before.create(actor, { name, type: 'secret', data: { value: `v-${name}` } }),
      ),
    );
    const after = new CredentialService({
      store: server.store,
      keyring: new Keyring(newKey, [oldKey]),
      audit,
      redactor,
    });
    expect((await after.resolve(created[0]!.id))?.data).toEqual({ value: 'v-one' });
    const result = await after.rotate(actor);
    expect(result).toEqual({ rotated: 2, current: 0, failed: [] });
    expect(await after.rotate(actor)).toEqual({ rotated: 0, current: 2, failed: [] });
    const newOnly = new CredentialService({
      store: server.store,
      keyring: new Keyring(newKey),
      audit,
      redactor,
    });
    expect((await newOnly.resolve(created[1]!.id))?.data).toEqual({ value: 'v-two' });
    const oldOnly = new CredentialService({
      store: server.store,
      keyring: new Keyring(oldKey),
      audit,
      redactor,
    });
    await expect(oldOnly.resolve(created[1]!.id)).rejects.toThrow(/not configured/);
    const failed = await oldOnly.rotate(actor);
    expect(failed.failed.map((f) => f.name).sort()).toEqual(['one', 'two']);
  });
});
