import type { Role } from '@flowstate/engine';
import type { ServerFixture } from './server-fixture.js';
import { sessionHeaders } from './server-fixture.js';

/** A user made for a test, signed in, with an API key of their own. */
export interface TestAccount {
  id: string;
  email: string;
  password: string;
  role: Role;
  /** `authorization: Bearer fsk_…` */
  keyHeaders: Record<string, string>;
  /** Cookie and CSRF headers of a session. */
  sessionHeaders: Record<string, string>;
}

/**
 * Creates a user with `role` through the API (as the owner), signs them in and has them make
 * an API key of their own, as a person would.
 */
export async function createAccount(server: ServerFixture, role: Role): Promise<TestAccount> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = `${role} password 123`;
  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/users',
    payload: { email, password, role },
  });
  if (created.statusCode !== 201) throw new Error(`create ${role}: ${created.body}`);
  const login = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (login.statusCode !== 200) throw new Error(`login ${role}: ${login.body}`);
  const session = sessionHeaders(login);
  const key = await server.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    payload: { name: `${role} key` },
    headers: session,
  });
  if (key.statusCode !== 201) throw new Error(`key ${role}: ${key.body}`);
  return {
    id: (created.json() as { id: string }).id,
    email,
    password,
    role,
    keyHeaders: { authorization: `Bearer ${(key.json() as { key: string }).key}` },
    sessionHeaders: session,
  };
}
