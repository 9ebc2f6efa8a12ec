import { ROLES, type Role } from '@flowstate/engine';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAccount, type TestAccount } from '../testing/accounts.js';
import { makeServer, sessionHeaders, type ServerFixture } from '../testing/server-fixture.js';
import { ACCESS_LEVELS, hasRole, requiredRole, type Access } from './roles.js';

/**
 * Generated from the route table: every registered route is called by every role (with an
 * API key and, for each role, with a session cookie and CSRF token) and by an anonymous
 * caller, and must answer 401 / 403 exactly when its access rule says so. A route added
 * without a rule cannot even register (see access-control.test.ts); a route whose rule is
 * wrong fails here.
 */
let server: ServerFixture;
const accounts = new Map<Role, TestAccount>();

beforeAll(async () => {
  // Sessions ended by the logout route are opened again, more often than sign-ins allow.
  server = await makeServer({ auth: { loginRateLimit: 'off' } });
  for (const role of ROLES) accounts.set(role, await createAccount(server, role));
});

afterAll(async () => {
  await server.close();
});

/** A URL for a route pattern: parameters and wildcards become ids that do not exist. */
function concreteUrl(pattern: string): string {
  return pattern.replace(/:[A-Za-z0-9_]+/g, 'zz-missing').replace(/\*$/, 'zz-missing');
}

type Caller = { name: string; role?: Role; headers: Record<string, string>; account?: TestAccount };

function callers(): Caller[] {
  return [
    { name: 'anonymous', headers: {} },
    ...ROLES.flatMap((role) => {
      const account = accounts.get(role)!;
      return [
        { name: `${role} (API key)`, role, headers: account.keyHeaders },
        { name: `${role} (session)`, role, headers: account.sessionHeaders, account },
      ];
    }),
  ];
}

/** Signs a session caller in again when the route it called ended its session (logout). */
async function keepSignedIn(caller: Caller): Promise<void> {
  if (!caller.account) return;
  const me = await server.app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: caller.headers,
  });
  if (me.statusCode === 200) return;
  const { email, password } = caller.account;
  const login = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  caller.headers = sessionHeaders(login);
}

function expected(access: Access, caller: Caller): 'allowed' | 401 | 403 {
  const needed = requiredRole(access);
  if (needed === undefined) return 'allowed';
  if (caller.role === undefined) return 401;
  return hasRole(caller.role, needed) ? 'allowed' : 403;
}

describe('every route, every role', () => {
  test('the route table is complete and every rule is a known access level', () => {
    const rules = server.app.accessRules;
    expect(rules.length).toBeGreaterThan(30);
    for (const rule of rules) expect(ACCESS_LEVELS).toContain(rule.access);
    const urls = new Set(rules.map((r) => `${r.method} ${r.url}`));
    for (const required of [
      'GET /healthz',
      'POST /api/v1/setup',
      'POST /api/v1/auth/login',
      'GET /api/v1/workflows',
      'POST /api/v1/workflows/:id/run',
      'GET /api/v1/users',
      'POST /api/v1/credentials',
      'GET /api/v1/audit',
      'POST /hooks/*',
      'POST /api/v1/mapping/infer-schema',
      'POST /api/v1/mapping/suggest',
      'GET /api/v1/crm/contacts',
      'PATCH /api/v1/crm/deals/:id',
      'POST /api/v1/crm/contacts/:id/erase',
      'GET /api/v1/crm/next-best-actions',
      'POST /api/v1/crm/templates/:id/install',
    ]) {
      expect(urls, required).toContain(required);
    }
  });

  test('each caller gets 401/403 exactly where the rule says', async () => {
    const mismatches: string[] = [];
    let calls = 0;
    const everyone = callers();
    for (const rule of server.app.accessRules) {
      for (const caller of everyone) {
        const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(rule.method);
        const res = await server.app.inject({
          method: rule.method as 'GET',
          url: concreteUrl(rule.url),
          headers: caller.headers,
          ...(unsafe && rule.method !== 'DELETE' ? { payload: {} } : {}),
        });
        calls += 1;
        await keepSignedIn(caller);
        const want = expected(rule.access, caller);
        const got = res.statusCode;
        const ok = want === 'allowed' ? got !== 401 && got !== 403 : got === want;
        if (!ok) {
          mismatches.push(
            `${rule.method} ${rule.url} (${rule.access}) as ${caller.name}: expected ${want}, got ${got} ${res.body.slice(0, 120)}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBe(server.app.accessRules.length * everyone.length);
  });
});
