import { afterEach, describe, expect, test } from 'vitest';
import { createAccount } from '../testing/accounts.js';
import { makeServer, TEST_OWNER, type ServerFixture } from '../testing/server-fixture.js';

let server: ServerFixture;
afterEach(async () => {
  await server.close();
});

type Headers = Record<string, string>;

/** Calls as the owner's key, or with `headers` (a session's cookie is used as is). */
async function call(method: string, url: string, payload?: object, headers?: Headers) {
  const inject =
    headers?.['cookie'] === undefined ? server.inject : server.app.inject.bind(server.app);
  const res = await inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
    ...(headers ? { headers } : {}),
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
}

describe('users API', () => {
  test('admins list, create, read and change users; passwords never leave', async () => {
    server = await makeServer();
    const created = await call('POST', '/users', {
      email: 'Ed@Example.com',
      password: 'editor password',
      name: 'Ed',
      role: 'editor',
    });
    expect(created).toMatchObject({
      status: 201,
      body: { email: 'ed@example.com', name: 'Ed', role: 'editor', disabled: false },
    });
    const { id } = created.body;
    const list = await call('GET', '/users');
    expect(list.body.items.map((u: { email: string }) => u.email)).toEqual([
      TEST_OWNER.email,
      'ed@example.com',
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|passwordHash/);
    expect((await call('GET', `/users/${id}`)).body.role).toBe('editor');
    const changed = await call('PATCH', `/users/${id}`, { role: 'admin', name: 'Edna' });
    expect(changed.body).toMatchObject({ role: 'admin', name: 'Edna' });
    expect((await call('PATCH', `/users/${id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await call('PATCH', `/users/${id}`, { disabled: false })).body.disabled).toBe(false);
  });

  test('bad input: 400; unknown user: 404; duplicate email: 409', async () => {
    server = await makeServer();
    const bad = await call('POST', '/users', { email: 'x', password: 'y', role: 'boss' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '/body/email',
      '/body/role',
    ]);
    expect((await call('PATCH', '/users/usr_missing', { name: 'x' })).status).toBe(404);
    expect((await call('GET', '/users/usr_missing')).body.error.code).toBe('USER_NOT_FOUND');
    expect((await call('PATCH', '/users/usr_missing', {})).status).toBe(400);
    expect((await call('PATCH', '/users/usr_missing', { password: 'x' })).status).toBe(400);
    const dup = await call('POST', '/users', {
      email: TEST_OWNER.email.toUpperCase(),
      password: 'some password',
      role: 'viewer',
    });
    expect(dup).toMatchObject({ status: 409, body: { error: { code: 'EMAIL_TAKEN' } } });
  });

  test('only an owner grants the owner role or changes an owner; the last owner stays', async () => {
    server = await makeServer();
    const admin = await createAccount(server, 'admin');
    const owner = (await call('GET', '/users')).body.items[0];
    const asAdmin = admin.keyHeaders;
    const makeOwner = await call(
      'POST',
      '/users',
      { email: 'o2@example.com', password: 'owner password', role: 'owner' },
      asAdmin,
    );
    expect(makeOwner).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect((await call('PATCH', `/users/${owner.id}`, { disabled: true }, asAdmin)).status).toBe(
      403,
    );
    expect((await call('PATCH', `/users/${admin.id}`, { role: 'owner' }, asAdmin)).status).toBe(
      403,
    );
    expect((await call('PATCH', `/users/${admin.id}`, { disabled: true }, asAdmin)).status).toBe(
      403,
    );
    const editor = await createAccount(server, 'editor');
    expect((await call('GET', '/users', undefined, editor.keyHeaders)).status).toBe(403);

    const last = await call('PATCH', `/users/${owner.id}`, { role: 'admin' });
    expect(last).toMatchObject({ status: 409, body: { error: { code: 'LAST_OWNER' } } });
    // With a second owner, the first may step down.
    expect((await call('PATCH', `/users/${admin.id}`, { role: 'owner' })).status).toBe(200);
    expect((await call('PATCH', `/users/${owner.id}`, { role: 'admin' })).body.role).toBe('admin');
    // Their admin-role key still acts as an admin; their session acts as the owner they are.
    expect((await call('PATCH', `/users/${admin.id}`, { role: 'editor' }, asAdmin)).status).toBe(
      403,
    );
    const stepDown = await call(
      'PATCH',
      `/users/${admin.id}`,
      { role: 'editor' },
      admin.sessionHeaders,
    );
    expect(stepDown.body.error.code).toBe('LAST_OWNER');
  });
});

describe('API keys', () => {
  test('shown once, stored hashed, listed without the key, revoked for good', async () => {
    server = await makeServer();
    const created = await call('POST', '/api-keys', { name: 'ci', role: 'viewer' });
    expect(created.status).toBe(201);
    const { key, apiKey } = created.body;
    expect(key).toMatch(/^fsk_[\w-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'ci', role: 'viewer', prefix: key.slice(0, 12) });
    expect(apiKey.keyHash).toBeUndefined();
    const list = await call('GET', '/api-keys');
    expect(list.body.items.map((k: { name: string }) => k.name).sort()).toEqual(['ci', 'tests']);
    expect(JSON.stringify(list.body)).not.toContain(key);
    const asKey = { authorization: `Bearer ${key}` };
    const me = await call('GET', '/auth/me', undefined, asKey);
    expect(me.body).toMatchObject({ role: 'viewer', via: 'api-key', apiKey: { name: 'ci' } });
    expect((await call('POST', '/workflows', { name: 'x' }, asKey)).status).toBe(403);
    const revoked = await call('DELETE', `/api-keys/${apiKey.id}`);
    expect(revoked.body.apiKey.revokedAt).toEqual(expect.any(Number));
    const after = await call('GET', '/auth/me', undefined, asKey);
    expect(after).toMatchObject({ status: 401, body: { error: { code: 'INVALID_API_KEY' } } });
    expect(after.body.error.message).toContain('revoked');
    expect((await call('DELETE', `/api-keys/${apiKey.id}`)).status).toBe(409);
    expect((await call('DELETE', '/api-keys/key_missing')).status).toBe(404);
  });

  test('a key never outranks its user, at creation or later', async () => {
    server = await makeServer();
    const editor = await createAccount(server, 'editor');
    const tooHigh = await call(
      'POST',
      '/api-keys',
      { name: 'x', role: 'admin' },
      editor.keyHeaders,
    );
    expect(tooHigh).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    // The editor is demoted: their editor key now acts as a viewer.
    await call('PATCH', `/users/${editor.id}`, { role: 'viewer' });
    const me = await call('GET', '/auth/me', undefined, editor.keyHeaders);
    expect(me.body.role).toBe('viewer');
    expect((await call('POST', '/workflows', {}, editor.keyHeaders)).status).toBe(403);
  });

  test('users see and revoke their own keys; admins see everyone’s', async () => {
    server = await makeServer();
    const viewer = await createAccount(server, 'viewer');
    const mine = await call('GET', '/api-keys', undefined, viewer.keyHeaders);
    expect(mine.body.items).toHaveLength(1);
    expect((await call('GET', '/api-keys?all=true', undefined, viewer.keyHeaders)).status).toBe(
      403,
    );
    expect((await call('GET', '/api-keys?all=true')).body.items).toHaveLength(2);
    const ownerKeyId = (await call('GET', '/api-keys')).body.items[0].id;
    expect(
      (await call('DELETE', `/api-keys/${ownerKeyId}`, undefined, viewer.keyHeaders)).status,
    ).toBe(404);
    const viewerKeyId = mine.body.items[0].id;
    expect((await call('DELETE', `/api-keys/${viewerKeyId}`)).status).toBe(200);
  });

  test('expired keys stop working; bad input is 400; a malformed header 401', async () => {
    server = await makeServer();
    const soon = Date.now() + 150;
    const created = await call('POST', '/api-keys', { name: 'short', expiresAt: soon });
    const asKey = { authorization: `Bearer ${created.body.key}` };
    expect((await call('GET', '/auth/me', undefined, asKey)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const expired = await call('GET', '/auth/me', undefined, asKey);
    expect(expired.body.error.message).toContain('expired');
    expect((await call('POST', '/api-keys', { name: 'x', expiresAt: 1 })).status).toBe(400);
    expect((await call('POST', '/api-keys', { name: '' })).status).toBe(400);
    expect((await call('POST', '/api-keys', { name: 'x', role: 'god' })).status).toBe(400);
    const malformed = await call('GET', '/auth/me', undefined, { authorization: 'Token abc' });
    expect(malformed).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const unknown = await call('GET', '/auth/me', undefined, { authorization: 'Bearer fsk_nope' });
    expect(unknown).toMatchObject({ status: 401, body: { error: { code: 'INVALID_API_KEY' } } });
  });
});
