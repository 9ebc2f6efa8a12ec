import { expect } from 'vitest';
import type { ApiKeyRecord, SessionRecord, UserRecord } from '../auth-store.js';
import type { ContractContext } from './store-contract.js';
import { T0 } from './store-fixtures.js';

/** A user record for contract tests. */
export function makeUser(id: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id,
    email: `${id}@example.com`,
    name: `User ${id}`,
    role: 'editor',
    passwordHash: `scrypt$hash-of-${id}`,
    disabled: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function makeSession(tokenHash: string, userId: string, at = T0): SessionRecord {
  return {
    tokenHash,
    userId,
    csrfHash: `csrf-${tokenHash}`,
    createdAt: at,
    expiresAt: at + 1000,
    lastSeenAt: at,
  };
}

function makeKey(id: string, userId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id,
    userId,
    name: `key ${id}`,
    role: 'viewer',
    keyHash: `hash-${id}`,
    prefix: `fsk_${id}`,
    createdAt: T0,
    ...overrides,
  };
}

/** Users, sessions and API keys (`AuthStore`). */
export function authCases({ it }: ContractContext): void {
  it('users: the first user only while none exists; emails are unique', async (store) => {
    const owner = makeUser('u1', { role: 'owner' });
    expect(await store.createUser({ user: owner, onlyIfNoUsers: true })).toEqual({
      status: 'ok',
      user: owner,
    });
    expect(
      await store.createUser({ user: makeUser('u2', { role: 'owner' }), onlyIfNoUsers: true }),
    ).toEqual({ status: 'users-exist' });
    expect(await store.createUser({ user: makeUser('u3', { email: owner.email }) })).toEqual({
      status: 'email-taken',
    });
    const editor = makeUser('u4', { createdAt: T0 + 1, updatedAt: T0 + 1 });
    expect((await store.createUser({ user: editor })).status).toBe('ok');
    expect(await store.getUser('u1')).toEqual(owner);
    expect(await store.getUserByEmail(editor.email)).toEqual(editor);
    expect(await store.getUser('missing')).toBeUndefined();
    expect(await store.listUsers()).toEqual([owner, editor]);
    expect(await store.countUsers()).toBe(2);
  });

  it('users: updates apply patches; the last enabled owner cannot be demoted or disabled', async (store) => {
    const a = makeUser('a', { role: 'owner' });
    await store.createUser({ user: a });
    await store.createUser({ user: makeUser('b', { role: 'admin' }) });
    expect(await store.updateUser({ id: 'a', patch: { role: 'admin' }, now: T0 + 5 })).toEqual({
      status: 'last-owner',
    });
    expect(await store.updateUser({ id: 'a', patch: { disabled: true }, now: T0 + 5 })).toEqual({
      status: 'last-owner',
    });
    expect(await store.updateUser({ id: 'zz', patch: { name: 'x' }, now: T0 })).toEqual({
      status: 'not-found',
    });
    const promoted = await store.updateUser({ id: 'b', patch: { role: 'owner' }, now: T0 + 6 });
    expect(promoted).toMatchObject({ status: 'ok', user: { role: 'owner', updatedAt: T0 + 6 } });
    const demoted = await store.updateUser({
      id: 'a',
      patch: { role: 'viewer', name: 'Ada', passwordHash: 'new' },
      now: T0 + 7,
    });
    expect(demoted).toEqual({
      status: 'ok',
      before: a,
      user: { ...a, role: 'viewer', name: 'Ada', passwordHash: 'new', updatedAt: T0 + 7 },
    });
    expect(await store.updateUser({ id: 'b', patch: { disabled: true }, now: T0 + 8 })).toEqual({
      status: 'last-owner',
    });
    expect((await store.getUser('b'))?.disabled).toBe(false);
  });

  it('sessions: create, read, touch, delete one, delete a user’s others, prune', async (store) => {
    await store.createUser({ user: makeUser('u1') });
    await store.createUser({ user: makeUser('u2', { email: 'two@example.com' }) });
    await store.createSession(makeSession('s1', 'u1'));
    await store.createSession(makeSession('s2', 'u1'));
    await store.createSession(makeSession('s3', 'u1'));
    await store.createSession(makeSession('s4', 'u2', T0 + 2000));
    expect(await store.getSession('s1')).toEqual(makeSession('s1', 'u1'));
    await store.touchSession('s1', T0 + 50);
    expect((await store.getSession('s1'))?.lastSeenAt).toBe(T0 + 50);
    await store.deleteSession('s2');
    expect(await store.getSession('s2')).toBeUndefined();
    expect(await store.deleteUserSessions('u1', 's1')).toBe(1);
    expect(await store.getSession('s1')).toBeDefined();
    expect(await store.getSession('s3')).toBeUndefined();
    // s1 expired at T0 + 1000; s4 is live and recently seen.
    expect(await store.pruneSessions({ now: T0 + 1500, idleBefore: T0 })).toBe(1);
    expect(await store.getSession('s4')).toBeDefined();
    expect(await store.pruneSessions({ now: T0 + 1500, idleBefore: T0 + 2001 })).toBe(1);
    expect(await store.getSession('s4')).toBeUndefined();
    expect(await store.deleteUserSessions('u1')).toBe(0);
  });

  it('api keys: create, find by hash, list per user newest first, revoke once, touch', async (store) => {
    await store.createUser({ user: makeUser('u1') });
    await store.createUser({ user: makeUser('u2', { email: 'two@example.com' }) });
    const k1 = makeKey('k1', 'u1');
    const k2 = makeKey('k2', 'u1', { createdAt: T0 + 1, expiresAt: T0 + 99, role: 'editor' });
    const k3 = makeKey('k3', 'u2', { createdAt: T0 + 2 });
    for (const key of [k1, k2, k3]) await store.createApiKey(key);
    expect(await store.getApiKeyByHash('hash-k2')).toEqual(k2);
    expect(await store.getApiKey('k1')).toEqual(k1);
    expect(await store.getApiKeyByHash('nope')).toBeUndefined();
    expect((await store.listApiKeys({ userId: 'u1' })).map((k) => k.id)).toEqual(['k2', 'k1']);
    expect((await store.listApiKeys()).map((k) => k.id)).toEqual(['k3', 'k2', 'k1']);
    expect(await store.revokeApiKey('k1', T0 + 10)).toBe(true);
    expect(await store.revokeApiKey('k1', T0 + 11)).toBe(false);
    expect(await store.revokeApiKey('missing', T0)).toBe(false);
    await store.touchApiKey('k2', T0 + 20);
    expect(await store.getApiKey('k1')).toEqual({ ...k1, revokedAt: T0 + 10 });
    expect(await store.getApiKey('k2')).toEqual({ ...k2, lastUsedAt: T0 + 20 });
  });
}
