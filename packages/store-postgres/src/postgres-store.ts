import type { JsonValue } from '@flowstate/core';
import { FlowstateError } from '@flowstate/core';
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditEntryInput,
  AuditQuery,
  CredentialRecord,
  IdempotencyRecord,
  NotificationQuery,
  NotificationRecord,
  ScheduleFence,
  ScheduleRecord,
  ScheduleSpec,
  SessionRecord,
  Store,
  UpdateUserResult,
  UserPatch,
  UserRecord,
} from '@flowstate/engine';
import { AuditRepository } from './audit-repository.js';
import { describeUrl } from './connection.js';
import { PostgresCrmRepository } from './crm-repository.js';
import { CredentialRepository } from './credential-repository.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { NotificationRepository } from './notification-repository.js';
import type { PostgresStoreOptions } from './postgres-options.js';
import { PostgresJournal } from './postgres-journal.js';
import { ScheduleRepository } from './schedule-repository.js';
import { SettingsRepository } from './settings-repository.js';
import { TokenRepository } from './token-repository.js';
import { UserRepository } from './user-repository.js';
import { WebhookDeliveries } from './webhook-deliveries.js';

/**
 * The scale-out `Store`: PostgreSQL through a `pg` pool, shared by any number of API and
 * worker processes. Claims use `FOR UPDATE SKIP LOCKED`, commits are one transaction per
 * batch, and `subscribeWake` tells idle workers about steps other processes made claimable
 * (LISTEN/NOTIFY). The journal's methods are in `PostgresJournal`; this class adds the
 * platform's ports (schedules, settings, idempotency keys, auth, credentials, audit log,
 * webhook deliveries, notifications). See ARCHITECTURE.md.
 *
 * @example
 * const store = await PostgresStore.connect({ connectionString: process.env.DATABASE_URL! });
 * await store.close();
 */
export class PostgresStore extends PostgresJournal implements Store {
  readonly #settings = new SettingsRepository(this.pool);
  readonly #schedules = new ScheduleRepository(this.pool);
  readonly #idempotency = new IdempotencyRepository(this.pool);
  readonly #users = new UserRepository(this.pool);
  readonly #tokens = new TokenRepository(this.pool);
  readonly #credentials = new CredentialRepository(this.pool);
  readonly #audit = new AuditRepository(this.pool);
  readonly #deliveries = new WebhookDeliveries(this.pool);
  readonly #notifications = new NotificationRepository(this.pool);
  /** The CRM's storage (`CrmStore` of `@flowstate/crm`) on this database. */
  readonly crm = new PostgresCrmRepository(this.pool);

  /**
   * Connects and migrates (several processes may do so at once). Fails with
   * `DATABASE_UNREACHABLE` naming the server (without its password) when it cannot connect.
   */
  static async connect(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate();
      return store;
    } catch (error) {
      await store.close();
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && /^(E[A-Z]+|08|28|3D)/.test(code)) {
        throw new FlowstateError(
          'DATABASE_UNREACHABLE',
          `Cannot use PostgreSQL at ${describeUrl(options.connectionString)}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  // ---- settings (SettingsStore) ---------------------------------------------------------

  getSetting(key: string): Promise<JsonValue | undefined> {
    return this.#settings.get(key);
  }

  putSetting(input: { key: string; value: JsonValue; now: number }): Promise<void> {
    return this.#settings.put(input.key, input.value, input.now);
  }

  // ---- schedules (ScheduleStore) --------------------------------------------------------

  syncSchedules(input: {
    workflowId: string;
    version: number;
    schedules: readonly ScheduleSpec[];
    now: number;
  }): Promise<ScheduleRecord[]> {
    return this.#schedules.sync(input);
  }

  listSchedules(query: { workflowId?: string } = {}): Promise<ScheduleRecord[]> {
    return this.#schedules.list(query.workflowId);
  }

  claimDueSchedules(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ScheduleRecord[]> {
    return this.#schedules.claim(input);
  }

  advanceSchedule(
    input: ScheduleFence & { nextRunAt: number; now: number; release?: boolean },
  ): Promise<boolean> {
    return this.#schedules.advance(input);
  }

  releaseScheduleLeases(owner: string): Promise<void> {
    return this.#schedules.release(owner);
  }

  nextScheduleDueAt(): Promise<number | undefined> {
    return this.#schedules.nextDue();
  }

  // ---- idempotency keys (IdempotencyStore) ----------------------------------------------

  claimIdempotencyKey(input: {
    scope: string;
    key: string;
    requestHash: string;
    now: number;
    ttlMs: number;
    staleBefore: number;
  }): Promise<{ claimed: boolean; record: IdempotencyRecord }> {
    return this.#idempotency.claim(input);
  }

  completeIdempotencyKey(input: {
    scope: string;
    key: string;
    response: JsonValue;
    now: number;
  }): Promise<void> {
    return this.#idempotency.complete(input);
  }

  releaseIdempotencyKey(input: { scope: string; key: string }): Promise<void> {
    return this.#idempotency.release(input.scope, input.key);
  }

  pruneIdempotencyKeys(input: { now: number; limit: number }): Promise<number> {
    return this.#idempotency.prune(input.now, input.limit);
  }

  // ---- users, sessions, API keys (AuthStore) --------------------------------------------

  createUser(input: {
    user: UserRecord;
    onlyIfNoUsers?: boolean;
  }): Promise<{ status: 'ok'; user: UserRecord } | { status: 'users-exist' | 'email-taken' }> {
    return this.#users.createUser(input);
  }

  getUser(id: string): Promise<UserRecord | undefined> {
    return this.#users.getUser(id);
  }

  getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.#users.getUserByEmail(email);
  }

  listUsers(): Promise<UserRecord[]> {
    return this.#users.listUsers();
  }

  countUsers(): Promise<number> {
    return this.#users.countUsers();
  }

  updateUser(input: { id: string; patch: UserPatch; now: number }): Promise<UpdateUserResult> {
    return this.#users.updateUser(input);
  }

  createSession(session: SessionRecord): Promise<void> {
    return this.#tokens.createSession(session);
  }

  getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    return this.#tokens.getSession(tokenHash);
  }

  touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
    return this.#tokens.touchSession(tokenHash, lastSeenAt);
  }

  deleteSession(tokenHash: string): Promise<void> {
    return this.#tokens.deleteSession(tokenHash);
  }

  deleteUserSessions(userId: string, keepTokenHash?: string): Promise<number> {
    return this.#tokens.deleteUserSessions(userId, keepTokenHash);
  }

  pruneSessions(input: { now: number; idleBefore: number }): Promise<number> {
    return this.#tokens.pruneSessions(input.now, input.idleBefore);
  }

  createApiKey(key: ApiKeyRecord): Promise<void> {
    return this.#tokens.createApiKey(key);
  }

  getApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.#tokens.getApiKeyByHash(keyHash);
  }

  getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#tokens.getApiKey(id);
  }

  listApiKeys(query: { userId?: string } = {}): Promise<ApiKeyRecord[]> {
    return this.#tokens.listApiKeys(query.userId);
  }

  revokeApiKey(id: string, now: number): Promise<boolean> {
    return this.#tokens.revokeApiKey(id, now);
  }

  touchApiKey(id: string, lastUsedAt: number): Promise<void> {
    return this.#tokens.touchApiKey(id, lastUsedAt);
  }

  // ---- credentials (CredentialStore) ----------------------------------------------------

  createCredential(record: CredentialRecord): Promise<'ok' | 'name-taken'> {
    return this.#credentials.create(record);
  }

  getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.#credentials.get(id);
  }

  listCredentials(): Promise<CredentialRecord[]> {
    return this.#credentials.list();
  }

  updateCredential(input: {
    record: CredentialRecord;
    expectKeyId?: string;
  }): Promise<'ok' | 'not-found' | 'name-taken' | 'conflict'> {
    return this.#credentials.update(input.record, input.expectKeyId);
  }

  deleteCredential(id: string): Promise<boolean> {
    return this.#credentials.delete(id);
  }

  // ---- audit log (AuditStore) and webhook replay protection (WebhookDeliveryStore) ------

  appendAudit(entry: AuditEntryInput): Promise<AuditEntry> {
    return this.#audit.append(entry);
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#audit.list(query);
  }

  readAuditChain(input: { afterSeq: number; limit: number }): Promise<AuditEntry[]> {
    return this.#audit.chain(input.afterSeq, input.limit);
  }

  recordWebhookDelivery(input: {
    scope: string;
    id: string;
    now: number;
    expiresAt: number;
  }): Promise<boolean> {
    return this.#deliveries.record(input);
  }

  // ---- in-app notifications (NotificationStore) -----------------------------------------

  createNotifications(records: readonly NotificationRecord[]): Promise<NotificationRecord[]> {
    return this.#notifications.create(records);
  }

  listNotifications(query: NotificationQuery): Promise<NotificationRecord[]> {
    return this.#notifications.list(query);
  }

  markNotificationRead(input: { userId: string; id: string; now: number }): Promise<boolean> {
    return this.#notifications.markRead(input.userId, input.id, input.now);
  }

  markAllNotificationsRead(input: { userId: string; now: number }): Promise<number> {
    return this.#notifications.markAllRead(input.userId, input.now);
  }

  countUnreadNotifications(userId: string): Promise<number> {
    return this.#notifications.countUnread(userId);
  }

  pruneNotifications(input: { before: number; limit: number }): Promise<number> {
    return this.#notifications.prune(input.before, input.limit);
  }
}
