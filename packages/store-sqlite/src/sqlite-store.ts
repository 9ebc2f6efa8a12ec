import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FlowstateError, type JsonValue } from '@flowstate/core';
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditEntryInput,
  AuditQuery,
  ClaimedStep,
  IdempotencyRecord,
  NotificationQuery,
  NotificationRecord,
  ScheduleFence,
  ScheduleRecord,
  ScheduleSpec,
  CredentialRecord,
  CommitOutcome,
  CreateWorkflowInput,
  RetentionCutoffs,
  SaveWorkflowVersionInput,
  WorkflowVersionSummary,
  WorkflowWrite,
  ExecutionChange,
  ExecutionQuery,
  ExecutionRecord,
  LoadedExecution,
  StepRef,
  StepStatus,
  StuckExecutions,
  ActiveStepStatus,
  SessionRecord,
  Store,
  UpdateUserResult,
  UserPatch,
  UserRecord,
  WaitRecord,
  WorkflowRecord,
  WorkflowVersionRecord,
} from '@flowstate/engine';
import { AuditRepository } from './audit-repository.js';
import { AuthRepository } from './auth-repository.js';
import { CredentialRepository } from './credential-repository.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { ExecutionCommitter } from './execution-commit.js';
import { ExecutionQueries } from './execution-queries.js';
import { ensureIncrementalVacuum, runMigrations } from './migrations.js';
import { PayloadCodec } from './payload-codec.js';
import { RetentionRepository } from './retention-repository.js';
import { SettingsRepository } from './settings-repository.js';
import { NotificationRepository } from './notification-repository.js';
import { StepLeases } from './step-leases.js';
import { WalSync } from './wal-sync.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import { WorkflowRepository } from './workflow-repository.js';
import { ScheduleRepository } from './schedule-repository.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { WaitQueries } from './wait-queries.js';
import { SqliteCrmRepository } from './crm-repository.js';

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file, or `':memory:'`. */
  filename: string;
  /** `FULL` (default) fsyncs every commit; `NORMAL` may lose the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Payloads whose JSON is larger than this go to the `blobs` table. Default 256 KiB. */
  blobThresholdBytes?: number;
  /** How long a write waits for another connection's lock before failing. Default 5 s. */
  busyTimeoutMs?: number;
}

/** Options of `SqliteStore.open` (the file is always `<dataDir>/flowstate.db`). */
export type OpenDataDirOptions = Omit<SqliteStoreOptions, 'filename'>;

/** Name of the database file in a data folder. */
export const DATABASE_FILE = 'flowstate.db';

interface Parts {
  codec: PayloadCodec;
  workflows: WorkflowRepository;
  committer: ExecutionCommitter;
  queries: ExecutionQueries;
  leases: StepLeases;
  retention: RetentionRepository;
  settings: SettingsRepository;
  schedules: ScheduleRepository;
  idempotency: IdempotencyRepository;
  waits: WaitQueries;
  auth: AuthRepository;
  credentials: CredentialRepository;
  audit: AuditRepository;
  deliveries: WebhookDeliveries;
  notifications: NotificationRepository;
}

/**
 * The embedded `Store`: one SQLite file in WAL mode, written by this process only. Every
 * `commit()` is one transaction (one fsync) for all the changes it carries.
 *
 * @example
 * const store = await SqliteStore.open('./.flowstate'); // locks the folder, migrates
 * await store.close(); // releases the lock
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #blobThresholdBytes: number;
  #lock: DataDirLock | undefined;
  #parts: Parts | undefined;
  /** Group fsync for `synchronous: 'FULL'` on a file (see wal-sync.ts). */
  #walSync: WalSync | undefined;

  constructor(options: SqliteStoreOptions) {
    this.#blobThresholdBytes = options.blobThresholdBytes ?? 256 * 1024;
    if (!Number.isInteger(this.#blobThresholdBytes) || this.#blobThresholdBytes < 0) {
      throw new FlowstateError(
        'INVALID_OPTIONS',
        `SqliteStore blobThresholdBytes must be a non-negative integer, got ${String(options.blobThresholdBytes)}`,
      );
    }
    this.#db = new Database(options.filename, { timeout: options.busyTimeoutMs ?? 5_000 });
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.#db.pragma('foreign_keys = ON');
    const onDisk = options.filename !== ':memory:' && options.filename !== '';
    if ((options.synchronous ?? 'FULL') === 'FULL' && onDisk) {
      this.#walSync = new WalSync(this.#db, options.filename);
    }
  }

  /**
   * Opens the store of an embedded data folder: creates the folder, takes its lock (a second
   * process is refused with `DATA_DIR_LOCKED`), opens `<dataDir>/flowstate.db` and migrates.
   * `close()` releases the lock.
   */
  static async open(dataDir: string, options: OpenDataDirOptions = {}): Promise<SqliteStore> {
    const lock = acquireDataDirLock(dataDir);
    try {
      const store = new SqliteStore({ ...options, filename: join(lock.dir, DATABASE_FILE) });
      store.#lock = lock;
      await store.migrate();
      return store;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Prepared statements, made once the schema exists. */
  get #p(): Parts {
    if (this.#parts === undefined) {
      const codec = new PayloadCodec(this.#db, this.#blobThresholdBytes);
      const schedules = new ScheduleRepository(this.#db);
      this.#parts = {
        codec,
        workflows: new WorkflowRepository(this.#db),
        committer: new ExecutionCommitter(this.#db, codec, schedules),
        queries: new ExecutionQueries(this.#db, codec),
        leases: new StepLeases(this.#db, codec),
        retention: new RetentionRepository(this.#db),
        settings: new SettingsRepository(this.#db),
        schedules,
        idempotency: new IdempotencyRepository(this.#db),
        waits: new WaitQueries(this.#db),
        auth: new AuthRepository(this.#db),
        credentials: new CredentialRepository(this.#db),
        audit: new AuditRepository(this.#db),
        deliveries: new WebhookDeliveries(this.#db),
        notifications: new NotificationRepository(this.#db),
      };
    }
    return this.#parts;
  }

  #crm: SqliteCrmRepository | undefined;

  /** The CRM's storage (`CrmStore` of `@flowstate/crm`) on this database. */
  get crm(): SqliteCrmRepository {
    this.#crm ??= new SqliteCrmRepository(
      this.#db,
      () => this.#walSync?.durable() ?? Promise.resolve(),
    );
    return this.#crm;
  }

  /** Applies pending migrations, then turns on incremental auto-vacuum (a VACUUM, once). */
  async migrate(): Promise<void> {
    runMigrations(this.#db);
    ensureIncrementalVacuum(this.#db);
  }

  async close(): Promise<void> {
    await this.#walSync?.close();
    if (this.#db.open) this.#db.close();
    this.#lock?.release();
    this.#lock = undefined;
  }

  async createWorkflow(input: CreateWorkflowInput): Promise<WorkflowRecord> {
    const result = this.#p.workflows.create(input);
    await this.#walSync?.durable();
    return result;
  }

  async saveWorkflowVersion(
    input: SaveWorkflowVersionInput,
  ): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }> {
    const result = this.#p.workflows.saveVersion(input);
    await this.#walSync?.durable();
    return result;
  }

  async publishWorkflowVersion(input: {
    workflowId: string;
    version: number;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    const result = this.#p.workflows.publish(input);
    await this.#walSync?.durable();
    return result;
  }

  async writeWorkflows(writes: readonly WorkflowWrite[]): Promise<WorkflowRecord[]> {
    const result = this.#p.workflows.writeMany(writes);
    await this.#walSync?.durable();
    return result;
  }

  async listWorkflowVersions(
    workflowId: string,
    query: { limit: number; before?: number },
  ): Promise<WorkflowVersionSummary[]> {
    return this.#p.workflows.listVersions(workflowId, query);
  }

  async setWorkflowActive(input: {
    workflowId: string;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    const result = this.#p.workflows.setActive(input);
    await this.#walSync?.durable();
    return result;
  }

  async getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    return this.#p.workflows.get(id);
  }

  async listWorkflows(): Promise<WorkflowRecord[]> {
    return this.#p.workflows.list();
  }

  async getWorkflowVersion(
    workflowId: string,
    version: number,
  ): Promise<WorkflowVersionRecord | undefined> {
    return this.#p.workflows.getVersion(workflowId, version);
  }

  /** Also deletes the workflow's finished executions; throws `WORKFLOW_IN_USE` while some are live. */
  async deleteWorkflow(id: string): Promise<boolean> {
    const result = this.#p.workflows.delete(id);
    await this.#walSync?.durable();
    return result;
  }

  /** Throws `StoreCommitError` (with per-change outcomes) if a change fails unexpectedly. */
  /** One transaction for the batch; with `FULL`, resolves once it is fsynced (group fsync). */
  async commit(changes: readonly ExecutionChange[]): Promise<CommitOutcome[]> {
    const walSync = this.#walSync;
    if (walSync === undefined) return this.#p.committer.commit(changes);
    // Almost always nothing to wait for: no await (and no extra turn) on the hot path then.
    const restart = walSync.beforeWrite();
    if (restart !== undefined) await restart;
    let outcomes: CommitOutcome[];
    try {
      outcomes = this.#p.committer.commit(changes);
    } finally {
      // A batch that failed part-way (StoreCommitError) committed the rest: make it durable too.
      await walSync.durable();
    }
    walSync.maybeCheckpoint();
    return outcomes;
  }

  async loadExecution(id: string): Promise<LoadedExecution | undefined> {
    return this.#p.queries.load(id);
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.#p.queries.get(id);
  }

  async listExecutions(query: ExecutionQuery): Promise<ExecutionRecord[]> {
    return this.#p.queries.list(query);
  }

  async listChildExecutions(parentId: string): Promise<ExecutionRecord[]> {
    return this.#p.queries.children(parentId);
  }

  async claimSteps(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ClaimedStep[]> {
    return this.#p.leases.claim(input);
  }

  async renewLeases(input: {
    owner: string;
    steps: readonly StepRef[];
    leaseExpiresAt: number;
  }): Promise<StepRef[]> {
    return this.#p.leases.renew(input.owner, input.steps, input.leaseExpiresAt);
  }

  async releaseLeases(owner: string): Promise<void> {
    this.#p.leases.release(owner);
  }

  async expireLeases(input: { exceptOwner: string; now: number }): Promise<number> {
    return this.#p.leases.expire(input.exceptOwner, input.now);
  }

  async nextDueAt(): Promise<number | undefined> {
    return this.#p.leases.nextDue();
  }

  async findWaits(input: { eventName: string; correlationKey: string }): Promise<WaitRecord[]> {
    return this.#p.queries.findWaits(input.eventName, input.correlationKey);
  }

  async findStuck(input: { limit: number; now: number }): Promise<StuckExecutions> {
    return this.#p.queries.findStuck(input.limit, input.now);
  }

  // ---- schedules (ScheduleStore) ------------------------------------------------------

  async syncSchedules(input: {
    workflowId: string;
    version: number;
    schedules: readonly ScheduleSpec[];
    now: number;
  }): Promise<ScheduleRecord[]> {
    const result = this.#p.schedules.sync(input);
    await this.#walSync?.durable();
    return result;
  }

  async listSchedules(query: { workflowId?: string } = {}): Promise<ScheduleRecord[]> {
    return this.#p.schedules.list(query.workflowId);
  }

  async claimDueSchedules(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ScheduleRecord[]> {
    return this.#p.schedules.claim(input);
  }

  async advanceSchedule(
    input: ScheduleFence & { nextRunAt: number; now: number; release?: boolean },
  ): Promise<boolean> {
    const result = this.#p.schedules.advance(input);
    await this.#walSync?.durable();
    return result;
  }

  async releaseScheduleLeases(owner: string): Promise<void> {
    this.#p.schedules.release(owner);
  }

  async nextScheduleDueAt(): Promise<number | undefined> {
    return this.#p.schedules.nextDue();
  }

  // ---- idempotency keys (IdempotencyStore) ----------------------------------------------

  async claimIdempotencyKey(input: {
    scope: string;
    key: string;
    requestHash: string;
    now: number;
    ttlMs: number;
    staleBefore: number;
  }): Promise<{ claimed: boolean; record: IdempotencyRecord }> {
    const result = this.#p.idempotency.claim(input);
    await this.#walSync?.durable();
    return result;
  }

  async completeIdempotencyKey(input: {
    scope: string;
    key: string;
    response: JsonValue;
    now: number;
  }): Promise<void> {
    this.#p.idempotency.complete(input);
    await this.#walSync?.durable();
  }

  async releaseIdempotencyKey(input: { scope: string; key: string }): Promise<void> {
    this.#p.idempotency.release(input.scope, input.key);
  }

  async pruneIdempotencyKeys(input: { now: number; limit: number }): Promise<number> {
    return this.#p.idempotency.prune(input.now, input.limit);
  }

  // ---- waits (WaitStore) ----------------------------------------------------------------

  async listWaits(query: {
    eventName: string;
    limit: number;
    after?: { createdAt: number; executionId: string; stepKey: string };
  }): Promise<WaitRecord[]> {
    return this.#p.waits.list(query);
  }

  async getWait(ref: { executionId: string; stepKey: string }): Promise<WaitRecord | undefined> {
    return this.#p.waits.get(ref.executionId, ref.stepKey);
  }

  async countSteps(query?: { executionId?: string }): Promise<Record<StepStatus, number>> {
    return this.#p.queries.countSteps(query?.executionId);
  }

  async countActiveSteps(): Promise<Record<ActiveStepStatus, number>> {
    return this.#p.queries.countActiveSteps();
  }

  async deleteFinishedExecutions(input: {
    cutoffs: RetentionCutoffs;
    limit: number;
    workflowId?: string;
    excludeWorkflowIds?: readonly string[];
  }): Promise<number> {
    const deleted = this.#p.retention.deleteFinished(input);
    await this.#walSync?.durable();
    return deleted;
  }

  // ---- users, sessions, API keys (AuthStore) -------------------------------------------

  async createUser(input: {
    user: UserRecord;
    onlyIfNoUsers?: boolean;
  }): Promise<{ status: 'ok'; user: UserRecord } | { status: 'users-exist' | 'email-taken' }> {
    const result = this.#p.auth.createUser(input);
    await this.#walSync?.durable();
    return result;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return this.#p.auth.getUser(id);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.#p.auth.getUserByEmail(email);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.#p.auth.listUsers();
  }

  async countUsers(): Promise<number> {
    return this.#p.auth.countUsers();
  }

  async updateUser(input: {
    id: string;
    patch: UserPatch;
    now: number;
  }): Promise<UpdateUserResult> {
    const result = this.#p.auth.updateUser(input);
    await this.#walSync?.durable();
    return result;
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.#p.auth.createSession(session);
    await this.#walSync?.durable();
  }

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    return this.#p.auth.getSession(tokenHash);
  }

  /** Not fsynced on its own: a lost idle-time update only shortens a session. */
  async touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
    this.#p.auth.touchSession(tokenHash, lastSeenAt);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.#p.auth.deleteSession(tokenHash);
    await this.#walSync?.durable();
  }

  async deleteUserSessions(userId: string, keepTokenHash?: string): Promise<number> {
    const count = this.#p.auth.deleteUserSessions(userId, keepTokenHash);
    await this.#walSync?.durable();
    return count;
  }

  async pruneSessions(input: { now: number; idleBefore: number }): Promise<number> {
    return this.#p.auth.pruneSessions(input.now, input.idleBefore);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.#p.auth.createApiKey(key);
    await this.#walSync?.durable();
  }

  async getApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.#p.auth.getApiKeyByHash(keyHash);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#p.auth.getApiKey(id);
  }

  async listApiKeys(query: { userId?: string } = {}): Promise<ApiKeyRecord[]> {
    return this.#p.auth.listApiKeys(query.userId);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    const revoked = this.#p.auth.revokeApiKey(id, now);
    await this.#walSync?.durable();
    return revoked;
  }

  async touchApiKey(id: string, lastUsedAt: number): Promise<void> {
    this.#p.auth.touchApiKey(id, lastUsedAt);
  }

  // ---- credentials (CredentialStore) ----------------------------------------------------

  async createCredential(record: CredentialRecord): Promise<'ok' | 'name-taken'> {
    const result = this.#p.credentials.create(record);
    await this.#walSync?.durable();
    return result;
  }

  async getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.#p.credentials.get(id);
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    return this.#p.credentials.list();
  }

  async updateCredential(input: {
    record: CredentialRecord;
    expectKeyId?: string;
  }): Promise<'ok' | 'not-found' | 'name-taken' | 'conflict'> {
    const result = this.#p.credentials.update(input.record, input.expectKeyId);
    await this.#walSync?.durable();
    return result;
  }

  async deleteCredential(id: string): Promise<boolean> {
    const deleted = this.#p.credentials.delete(id);
    await this.#walSync?.durable();
    return deleted;
  }

  async reclaimSpace(): Promise<void> {
    await this.#walSync?.durable();
    await this.#walSync?.checkpointIdle();
    await this.#p.retention.reclaim();
  }

  async getSetting(key: string): Promise<JsonValue | undefined> {
    return this.#p.settings.get(key);
  }

  async putSetting(input: { key: string; value: JsonValue; now: number }): Promise<void> {
    this.#p.settings.put(input.key, input.value, input.now);
    await this.#walSync?.durable();
  }

  // ---- audit log (AuditStore) -----------------------------------------------------------

  async appendAudit(entry: AuditEntryInput): Promise<AuditEntry> {
    const appended = this.#p.audit.append(entry);
    await this.#walSync?.durable();
    return appended;
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#p.audit.list(query);
  }

  async readAuditChain(input: { afterSeq: number; limit: number }): Promise<AuditEntry[]> {
    return this.#p.audit.chain(input.afterSeq, input.limit);
  }

  // ---- webhook replay protection (WebhookDeliveryStore) ---------------------------------

  async recordWebhookDelivery(input: {
    scope: string;
    id: string;
    now: number;
    expiresAt: number;
  }): Promise<boolean> {
    const fresh = this.#p.deliveries.record(input);
    await this.#walSync?.durable();
    return fresh;
  }

  // ---- in-app notifications (NotificationStore) -----------------------------------------

  async createNotifications(records: readonly NotificationRecord[]): Promise<NotificationRecord[]> {
    const stored = this.#p.notifications.create(records);
    await this.#walSync?.durable();
    return stored;
  }

  async listNotifications(query: NotificationQuery): Promise<NotificationRecord[]> {
    return this.#p.notifications.list(query);
  }

  async markNotificationRead(input: { userId: string; id: string; now: number }): Promise<boolean> {
    const found = this.#p.notifications.markRead(input.userId, input.id, input.now);
    await this.#walSync?.durable();
    return found;
  }

  async markAllNotificationsRead(input: { userId: string; now: number }): Promise<number> {
    const count = this.#p.notifications.markAllRead(input.userId, input.now);
    await this.#walSync?.durable();
    return count;
  }

  async countUnreadNotifications(userId: string): Promise<number> {
    return this.#p.notifications.countUnread(userId);
  }

  async pruneNotifications(input: { before: number; limit: number }): Promise<number> {
    const count = this.#p.notifications.prune(input.before, input.limit);
    await this.#walSync?.durable();
    return count;
  }

  /** Number of rows in `blobs` (tests: large payloads are stored out of line and cleaned up). */
  async countBlobs(): Promise<number> {
    const row = this.#db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number };
    return row.n;
  }
}
