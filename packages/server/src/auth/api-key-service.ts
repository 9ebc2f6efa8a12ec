import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord, AuditActor, AuthStore, Role, UserRecord } from '@flowstate/engine';
import type { AuditLog } from '../audit/audit-log.js';
import { httpError } from '../errors.js';
import { apiKeyView, auditActorOf, type ApiKeyView, type UserPrincipal } from './principal.js';
import { hasRole, lesserRole } from './roles.js';
import { randomToken, tokenHash } from './tokens.js';

/** Every API key starts with this, so secret scanners and people can recognise one. */
export const API_KEY_PREFIX = 'fsk_';

/** `lastUsedAt` is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;

/** What `authenticate` found for a key. */
export type ApiKeyCheck =
  { ok: true; user: UserRecord; apiKey: ApiKeyRecord; role: Role } | { ok: false; reason: string };

/**
 * API keys: `fsk_` + 256 random bits, shown once at creation and stored as sha256. A key acts
 * for its user with a role no higher than the user's (at creation and at every use), so
 * demoting or disabling a user demotes or disables their keys too.
 */
export class ApiKeyService {
  readonly #store: AuthStore;
  readonly #audit: AuditLog;
  readonly #now: () => number;

  constructor(options: { store: AuthStore; audit: AuditLog; now?: () => number }) {
    this.#store = options.store;
    this.#audit = options.audit;
    this.#now = options.now ?? Date.now;
  }

  /** Creates a key for the caller (or, from the CLI, for a named user); returns it once. */
  async create(
    by: UserPrincipal | { user: UserRecord; actor: AuditActor },
    input: { name: string; role?: Role; expiresAt?: number },
  ): Promise<{ key: string; apiKey: ApiKeyView }> {
    const user = by.user;
    const ceiling = 'kind' in by ? by.role : user.role;
    const role = input.role ?? ceiling;
    if (!hasRole(ceiling, role)) {
      throw httpError(
        'FORBIDDEN',
        `An API key cannot have a higher role than its creator: ${role} is above ${ceiling}.`,
        [{ path: '/role', message: `at most ${ceiling}` }],
      );
    }
    const now = this.#now();
    if (input.expiresAt !== undefined && input.expiresAt <= now) {
      throw httpError('INVALID_REQUEST', 'expiresAt must be in the future.', [
        { path: '/expiresAt', message: 'must be in the future' },
      ]);
    }
    const key = `${API_KEY_PREFIX}${randomToken()}`;
    const record: ApiKeyRecord = {
      id: `key_${randomUUID()}`,
      userId: user.id,
      name: input.name,
      role,
      keyHash: tokenHash(key),
      prefix: key.slice(0, API_KEY_PREFIX.length + 8),
      createdAt: now,
      ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
    };
    await this.#store.createApiKey(record);
    await this.#audit.record('kind' in by ? auditActorOf(by) : by.actor, {
      action: 'api-key.create',
      target: { type: 'api-key', id: record.id },
      summary: { after: { name: record.name, role, userId: user.id, prefix: record.prefix } },
    });
    return { key, apiKey: apiKeyView(record) };
  }

  /** Checks a presented key: known, not revoked or expired, its user enabled. */
  async authenticate(key: string): Promise<ApiKeyCheck> {
    const apiKey = await this.#store.getApiKeyByHash(tokenHash(key));
    if (!apiKey) return { ok: false, reason: 'The API key is not valid.' };
    const now = this.#now();
    if (apiKey.revokedAt !== undefined)
      return { ok: false, reason: `API key ${apiKey.prefix}… was revoked.` };
    if (apiKey.expiresAt !== undefined && apiKey.expiresAt <= now)
      return { ok: false, reason: `API key ${apiKey.prefix}… has expired.` };
    const user = await this.#store.getUser(apiKey.userId);
    if (!user || user.disabled)
      return { ok: false, reason: `API key ${apiKey.prefix}… belongs to a disabled user.` };
    if (now - (apiKey.lastUsedAt ?? 0) >= TOUCH_EVERY_MS)
      await this.#store.touchApiKey(apiKey.id, now);
    return { ok: true, user, apiKey, role: lesserRole(apiKey.role, user.role) };
  }

  /** The caller's keys, or everyone's for an admin asking for all. */
  async list(by: UserPrincipal, all: boolean): Promise<ApiKeyView[]> {
    if (all && !hasRole(by.role, 'admin'))
      throw httpError('FORBIDDEN', 'Listing every user’s API keys needs the admin role.');
    const keys = await this.#store.listApiKeys(all ? {} : { userId: by.user.id });
    return keys.map(apiKeyView);
  }

  /** Revokes a key of the caller's, or anyone's for an admin. */
  async revoke(by: UserPrincipal, id: string): Promise<ApiKeyView> {
    const apiKey = await this.#store.getApiKey(id);
    const mayRevoke = apiKey && (apiKey.userId === by.user.id || hasRole(by.role, 'admin'));
    if (!apiKey || !mayRevoke)
      throw httpError('API_KEY_NOT_FOUND', `API key "${id}" does not exist.`);
    const now = this.#now();
    if (!(await this.#store.revokeApiKey(id, now)))
      throw httpError('INVALID_STATE', `API key ${apiKey.prefix}… is already revoked.`);
    await this.#audit.record(auditActorOf(by), {
      action: 'api-key.revoke',
      target: { type: 'api-key', id },
      summary: { before: { name: apiKey.name, role: apiKey.role, userId: apiKey.userId } },
    });
    return apiKeyView({ ...apiKey, revokedAt: now });
  }
}
