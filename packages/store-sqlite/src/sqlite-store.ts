import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FlowstateError, type JsonValue } from '@flowstate/core';
import type {
  ClaimedStep,
  IdempotencyRecord,
  ScheduleFence,
  ScheduleRecord,
  ScheduleSpec,
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
  Store,
  WaitRecord,
  WorkflowRecord,
  WorkflowVersionRecord,
} from '@flowstate/engine';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { ExecutionCommitter } from './execution-commit.js';
import { ExecutionQueries } from './execution-queries.js';
import { ensureIncrementalVacuum, runMigrations } from './migrations.js';
import { PayloadCodec } from './payload-codec.js';
import { RetentionRepository } from './retention-repository.js';
import { SettingsRepository } from './settings-repository.js';
import { StepLeases } from './step-leases.js';
import { WalSync } from './wal-sync.js';
import { WorkflowRepository } from './workflow-repository.js';
import { ScheduleRepository } from './schedule-repository.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { WaitQueries } from './wait-queries.js';

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
      };
    }
    return this.#parts;
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
  }): Promise<number> {
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

  async findStuck(input: {
    limit: number;
  }): Promise<{ orphanedChildren: ExecutionRecord[]; unfinished: ExecutionRecord[] }> {
    return this.#p.queries.findStuck(input.limit);
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

  /** Number of rows in `blobs` (tests: large payloads are stored out of line and cleaned up). */
  async countBlobs(): Promise<number> {
    const row = this.#db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number };
    return row.n;
  }
}
