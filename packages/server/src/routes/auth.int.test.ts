import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createAccount } from '../testing/accounts.js';
import {
  makeServer,
  sessionHeaders,
  TEST_OWNER,
  type ServerFixture,
} from '../testing/server-fixture.js';

let server: ServerFixture | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function post(app: ServerFixture['app'], url: string, payload: object, headers = {}) {
  return app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });
}

function login(s: ServerFixture, email: string, password: string, headers = {}) {
  return post(s.app, '/auth/login', { email, password }, headers);
}

describe('first-run setup', () => {
  test('works once: creates the owner and signs them in; afterwards 409', async () => {
    server = await makeServer({ setup: false });
    const { app } = server;
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({
      needed: true,
    });
    const weak = await post(app, '/setup', { email: 'a@example.com', password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('WEAK_PASSWORD');
    expect((await post(app, '/setup', { email: 'not-an-email', password: 'x' })).statusCode).toBe(
      400,
    );
    const res = await post(app, '/setup', { ...TEST_OWNER, name: 'Ada' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      user: { email: TEST_OWNER.email, name: 'Ada', role: 'owner', disabled: false },
      csrfToken: expect.any(String),
    });
    expect(res.json().user.passwordHash).toBeUndefined();
    const [session, csrf] = res.headers['set-cookie'] as string[];
    expect(session).toMatch(
      /^fs_session=[\w-]{43}; Path=\/; Max-Age=604800; SameSite=Lax; HttpOnly$/,
    );
    expect(csrf).toMatch(/^fs_csrf=[\w-]{43}; Path=\/; Max-Age=604800; SameSite=Lax$/);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: sessionHeaders(res),
    });
    expect(me.json()).toMatchObject({
      role: 'owner',
      via: 'session',
      user: { email: TEST_OWNER.email },
    });
    const again = await post(app, '/setup', {
      email: 'b@example.com',
      password: 'another password',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('SETUP_COMPLETE');
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({
      needed: false,
    });
  });

  test('concurrent setups create exactly one owner', async () => {
    server = await makeServer({ setup: false });
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        post(server!.app, '/setup', { email: `o${n}@example.com`, password: 'a long password' }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    expect(await server.store.countUsers()).toBe(1);
  });
});

describe('sign-in and sessions', () => {
  test('wrong password and unknown email get the same 401; a disabled account 403', async () => {
    server = await makeServer();
    const wrong = await login(server, TEST_OWNER.email, 'not the password');
    const unknown = await login(server, 'nobody@example.com', 'whatever password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    expect((await post(server.app, '/auth/login', { email: 'x' })).statusCode).toBe(400);
    const viewer = await createAccount(server, 'viewer');
    await server.inject({
      method: 'PATCH',
      url: `/api/v1/users/${viewer.id}`,
      payload: { disabled: true },
    });
    const disabled = await login(server, viewer.email, viewer.password);
    expect(disabled.statusCode).toBe(403);
    expect(disabled.json().error.code).toBe('ACCOUNT_DISABLED');
    // Disabling ended the session and stopped the API key.
    for (const headers of [viewer.sessionHeaders, viewer.keyHeaders]) {
      const me = await server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
      expect(me.statusCode).toBe(401);
    }
  });

  test('sign-in ignores the case of the email', async () => {
    server = await makeServer();
    const res = await login(server, TEST_OWNER.email.toUpperCase(), TEST_OWNER.password);
    expect(res.statusCode).toBe(200);
  });

  test('unsafe requests with a session need the CSRF token; API keys do not', async () => {
    server = await makeServer();
    const res = await login(server, TEST_OWNER.email, TEST_OWNER.password);
    const { cookie, 'x-csrf-token': csrf } = sessionHeaders(res);
    expect(res.json().csrfToken).toBe(csrf);
    const create = (headers: Record<string, string>) =>
      post(server!.app, '/api-keys', { name: 'k' }, headers);
    const missing = await create({ cookie });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('CSRF_FAILED');
    expect((await create({ cookie, 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    // The token of another session does not fit this one.
    const other = sessionHeaders(await login(server, TEST_OWNER.email, TEST_OWNER.password));
    expect((await create({ cookie, 'x-csrf-token': other['x-csrf-token']! })).statusCode).toBe(403);
    expect((await create({ cookie, 'x-csrf-token': csrf! })).statusCode).toBe(201);
    // Safe methods need no token.
    const list = await server.app.inject({
      method: 'GET',
      url: '/api/v1/api-keys',
      headers: { cookie },
    });
    expect(list.statusCode).toBe(200);
    expect((await create({ authorization: `Bearer ${server.ownerKey}` })).statusCode).toBe(201);
  });

  test('a cross-site login is refused (login CSRF)', async () => {
    server = await makeServer();
    const res = await login(server, TEST_OWNER.email, TEST_OWNER.password, {
      'sec-fetch-site': 'cross-site',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_FAILED');
    const sameOrigin = await login(server, TEST_OWNER.email, TEST_OWNER.password, {
      'sec-fetch-site': 'same-origin',
    });
    expect(sameOrigin.statusCode).toBe(200);
  });

  test('logout ends the session and clears the cookies', async () => {
    server = await makeServer();
    const headers = sessionHeaders(await login(server, TEST_OWNER.email, TEST_OWNER.password));
    const out = await post(server.app, '/auth/logout', {}, headers);
    expect(out.statusCode).toBe(204);
    expect(out.headers['set-cookie']).toEqual([
      'fs_session=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly',
      'fs_csrf=; Path=/; Max-Age=0; SameSite=Lax',
    ]);
    const me = await server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('SESSION_EXPIRED');
    const anonymous = await server.app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="flowstate"');
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
  });

  test('sessions end after the idle timeout; tokens are stored hashed', async () => {
    server = await makeServer({ auth: { sessionTimes: { idleMs: 150 } } });
    const res = await login(server, TEST_OWNER.email, TEST_OWNER.password);
    const headers = sessionHeaders(res);
    const token = /fs_session=([^;]+)/.exec(headers.cookie!)![1]!;
    const me = () => server!.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
    expect((await me()).statusCode).toBe(200);
    const db = (await import('better-sqlite3')).default(join(server.dir, 'data', 'flowstate.db'), {
      readonly: true,
    });
    try {
      const rows = db.prepare('SELECT token_hash, csrf_hash FROM sessions').all();
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(JSON.stringify(rows)).not.toContain(headers['x-csrf-token']);
    } finally {
      db.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await me()).statusCode).toBe(401);
  });

  test('cookies are Secure over https (behind a trusted proxy) or when configured', async () => {
    server = await makeServer({ trustProxy: true });
    const plain = await login(server, TEST_OWNER.email, TEST_OWNER.password);
    expect(String(plain.headers['set-cookie'])).not.toContain('Secure');
    const https = await login(server, TEST_OWNER.email, TEST_OWNER.password, {
      'x-forwarded-proto': 'https',
    });
    expect((https.headers['set-cookie'] as string[]).every((c) => c.endsWith('; Secure'))).toBe(
      true,
    );
    await server.close();
    server = await makeServer({ auth: { cookieSecure: true } });
    const forced = await login(server, TEST_OWNER.email, TEST_OWNER.password);
    expect(String(forced.headers['set-cookie'])).toContain('Secure');
  });

  test('sign-in is rate limited per address and email: 429 with Retry-After', async () => {
    server = await makeServer({ auth: { loginRateLimit: { limit: 3, windowMs: 60_000 } } });
    for (let i = 0; i < 3; i++)
      expect((await login(server, TEST_OWNER.email, 'wrong password')).statusCode).toBe(401);
    const limited = await login(server, TEST_OWNER.email, TEST_OWNER.password);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another email from the same address still gets its own attempts.
    expect((await login(server, 'other@example.com', 'whatever password')).statusCode).toBe(401);
  });

  test('setup is rate limited per address, malformed attempts included', async () => {
    server = await makeServer({
      setup: false,
      auth: { loginRateLimit: { limit: 2, windowMs: 60_000 } },
    });
    const bad = await post(server.app, '/setup', { email: 'not-an-email' });
    expect(bad.json().error).toMatchObject({
      code: 'INVALID_REQUEST',
      details: expect.arrayContaining([expect.objectContaining({ path: '/body/email' })]),
    });
    expect((await post(server.app, '/setup', {})).statusCode).toBe(400);
    const limited = await post(server.app, '/setup', TEST_OWNER);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('passwords', () => {
  test('change needs the current password and ends other sessions', async () => {
    server = await makeServer();
    const first = sessionHeaders(await login(server, TEST_OWNER.email, TEST_OWNER.password));
    const second = sessionHeaders(await login(server, TEST_OWNER.email, TEST_OWNER.password));
    const change = (body: object) =>
      server!.app.inject({
        method: 'PUT',
        url: '/api/v1/auth/password',
        payload: body,
        headers: first,
      });
    const wrong = await change({
      currentPassword: 'nope nope nope',
      newPassword: 'brand new password',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.details[0].path).toBe('/currentPassword');
    const weak = await change({ currentPassword: TEST_OWNER.password, newPassword: 'short' });
    expect(weak.json().error.code).toBe('WEAK_PASSWORD');
    expect((await change({ currentPassword: TEST_OWNER.password })).statusCode).toBe(400);
    const ok = await change({
      currentPassword: TEST_OWNER.password,
      newPassword: 'brand new password',
    });
    expect(ok.statusCode).toBe(204);
    const me = (headers: Record<string, string>) =>
      server!.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
    expect((await me(first)).statusCode).toBe(200);
    expect((await me(second)).statusCode).toBe(401);
    expect((await login(server, TEST_OWNER.email, TEST_OWNER.password)).statusCode).toBe(401);
    expect((await login(server, TEST_OWNER.email, 'brand new password')).statusCode).toBe(200);
  });
});
