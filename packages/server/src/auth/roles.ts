import { ROLES, type Role } from '@flowstate/engine';

/**
 * Who may call a route, declared on every route as `config: { access }`:
 * - `public`: anyone (health probes, login, first-run setup);
 * - `webhook`: anyone; the webhook route checks the trigger's own auth (header, basic, HMAC);
 * - `viewer` | `editor` | `admin` | `owner`: a signed-in user or API key with at least that role;
 * - `metrics`: an admin, or the `FLOWSTATE_METRICS_TOKEN` bearer token (Prometheus scrapers).
 */
export type Access = 'public' | 'webhook' | Role | 'metrics';

/** Every access level, for validation of route declarations. */
export const ACCESS_LEVELS: readonly Access[] = ['public', 'webhook', ...ROLES, 'metrics'];

const RANK: Readonly<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

/** True when `role` is `needed` or more powerful. */
export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** The less powerful of two roles. */
export function lesserRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

/** The role an access level needs, or undefined for levels that need no user. */
export function requiredRole(access: Access): Role | undefined {
  if (access === 'public' || access === 'webhook') return undefined;
  return access === 'metrics' ? 'admin' : access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (see `Access`); a route without it is refused at startup. */
    access?: Access;
  }
}
