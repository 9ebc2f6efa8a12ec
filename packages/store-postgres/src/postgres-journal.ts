import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type {
  ClaimedStep,
  CommitOutcome,
  CreateWorkflowInput,
  ExecutionChange,
  ExecutionQuery,
  ExecutionRecord,
  LoadedExecution,
  RetentionCutoffs,
  SaveWorkflowVersionInput,
  StepRef,
  StepStatus,
  StuckExecutions,
  ActiveStepStatus,
  WaitRecord,
  WorkflowRecord,
  WorkflowVersionRecord,
  WorkflowVersionSummary,
  WorkflowWrite,
} from '@flowstate/engine';
import { clientConfig, createPool, type PoolOptions } from './connection.js';
import { ExecutionCommitter } from './execution-commit.js';
import { ExecutionQueries } from './execution-queries.js';
import { resolveOptions, type PostgresStoreOptions } from './postgres-options.js';
import { runMigrations } from './migrations.js';
import { PayloadCodec } from './payload-codec.js';
import { RetentionRepository } from './retention-repository.js';
import { StepLeases } from './step-leases.js';
import { WaitQueries } from './wait-queries.js';
import {
  WAKE_CHANNEL,
  wakePayload,
  WakeSubscription,
  type SettledListener,
  type WakeListener,
} from './wake.js';
import { WorkflowRepository } from './workflow-repository.js';

/**
 * The journal half of `PostgresStore`: the pool, migrations, wake-ups, workflows,
 * executions, steps, waits and retention (what the engine's hot path uses). `PostgresStore`
 * extends it with the platform's other ports; the split only keeps each file short.
 */
export class PostgresJournal {
  /** The store's pool, for the repositories `PostgresStore` adds. */
  protected readonly pool: pg.Pool;
  readonly #poolOptions: PoolOptions;
  readonly #schema: string | undefined;
  readonly #sourceId = randomUUID();
  readonly #onError: (error: Error) => void;
  readonly #workflows: WorkflowRepository;
  readonly #committer: ExecutionCommitter;
  readonly #queries: ExecutionQueries;
  readonly #waits: WaitQueries;
  readonly #leases: StepLeases;
  readonly #retention: RetentionRepository;
  #wake: WakeSubscription | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    const resolved = resolveOptions(options);
    this.#schema = options.schema;
    this.#onError = options.onError ?? (() => undefined);
    this.#poolOptions = resolved.pool;
    this.pool = createPool(this.#poolOptions, this.#onError);
    const codec = new PayloadCodec(resolved.blobThresholdBytes);
    this.#workflows = new WorkflowRepository(this.pool);
    this.#committer = new ExecutionCommitter(this.pool, {
      codec,
      notify: options.notify ?? true,
      schema: this.#schema ?? '',
      sourceId: this.#sourceId,
    });
    this.#queries = new ExecutionQueries(this.pool);
    this.#waits = new WaitQueries(this.pool);
    this.#retention = new RetentionRepository(this.pool);
    this.#leases = new StepLeases(this.pool, () =>
      options.notify === false ? Promise.resolve() : this.#notify(0),
    );
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await runMigrations(client, this.#schema === undefined ? {} : { schema: this.#schema });
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#wake?.close();
    await this.pool.end();
  }

  /**
   * Calls `listener` when another process commits steps that this one may claim (`dueAt` is
   * when they are due), and without a time after the LISTEN connection was re-established.
   * Returns the function that unsubscribes.
   */
  subscribeWake(listener: WakeListener): () => void {
    return this.#subscription().subscribe(listener);
  }

  /**
   * Calls `listener` with the ids of executions that another process's commit ended or gave
   * their webhook response. Returns the function that unsubscribes.
   */
  subscribeSettled(listener: SettledListener): () => void {
    return this.#subscription().subscribeSettled(listener);
  }

  #subscription(): WakeSubscription {
    this.#wake ??= new WakeSubscription({
      config: clientConfig(this.#poolOptions),
      schema: this.#schema ?? '',
      sourceId: this.#sourceId,
      onError: this.#onError,
    });
    return this.#wake;
  }

  /** Resolves once the wake connection LISTENs (tests: no notification is missed after it). */
  async wakeReady(): Promise<void> {
    await this.#wake?.ready();
  }

  createWorkflow(input: CreateWorkflowInput): Promise<WorkflowRecord> {
    return this.#workflows.create(input);
  }

  saveWorkflowVersion(
    input: SaveWorkflowVersionInput,
  ): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }> {
    return this.#workflows.saveVersion(input);
  }

  publishWorkflowVersion(input: {
    workflowId: string;
    version: number;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    return this.#workflows.publish(input);
  }

  /** All of them in one transaction, or none. */
  writeWorkflows(writes: readonly WorkflowWrite[]): Promise<WorkflowRecord[]> {
    return this.#workflows.writeMany(writes);
  }

  listWorkflowVersions(
    workflowId: string,
    query: { limit: number; before?: number },
  ): Promise<WorkflowVersionSummary[]> {
    return this.#workflows.listVersions(workflowId, query);
  }

  setWorkflowActive(input: {
    workflowId: string;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    return this.#workflows.setActive(input);
  }

  getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    return this.#workflows.get(id);
  }

  listWorkflows(): Promise<WorkflowRecord[]> {
    return this.#workflows.list();
  }

  getWorkflowVersion(
    workflowId: string,
    version: number,
  ): Promise<WorkflowVersionRecord | undefined> {
    return this.#workflows.getVersion(workflowId, version);
  }

  /** Also deletes the workflow's finished executions; throws `WORKFLOW_IN_USE` while some are live. */
  deleteWorkflow(id: string): Promise<boolean> {
    return this.#workflows.delete(id);
  }

  /** One transaction for the batch; throws `StoreCommitError` if a change fails unexpectedly. */
  commit(changes: readonly ExecutionChange[]): Promise<CommitOutcome[]> {
    return this.#committer.commit(changes);
  }

  loadExecution(id: string): Promise<LoadedExecution | undefined> {
    return this.#queries.load(id);
  }

  getExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.#queries.get(id);
  }

  listExecutions(query: ExecutionQuery): Promise<ExecutionRecord[]> {
    return this.#queries.list(query);
  }

  listChildExecutions(parentId: string): Promise<ExecutionRecord[]> {
    return this.#queries.children(parentId);
  }

  claimSteps(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ClaimedStep[]> {
    return this.#leases.claim(input);
  }

  renewLeases(input: {
    owner: string;
    steps: readonly StepRef[];
    leaseExpiresAt: number;
  }): Promise<StepRef[]> {
    return this.#leases.renew(input.owner, input.steps, input.leaseExpiresAt);
  }

  releaseLeases(owner: string): Promise<void> {
    return this.#leases.release(owner);
  }

  expireLeases(input: { exceptOwner: string; now: number }): Promise<number> {
    return this.#leases.expire(input.exceptOwner, input.now);
  }

  nextDueAt(): Promise<number | undefined> {
    return this.#leases.nextDue();
  }

  findWaits(input: { eventName: string; correlationKey: string }): Promise<WaitRecord[]> {
    return this.#waits.find(input.eventName, input.correlationKey);
  }

  listWaits(query: {
    eventName: string;
    limit: number;
    after?: { createdAt: number; executionId: string; stepKey: string };
  }): Promise<WaitRecord[]> {
    return this.#waits.list(query);
  }

  getWait(ref: { executionId: string; stepKey: string }): Promise<WaitRecord | undefined> {
    return this.#waits.get(ref.executionId, ref.stepKey);
  }

  findStuck(input: { limit: number; now: number }): Promise<StuckExecutions> {
    return this.#queries.findStuck(input.limit, input.now);
  }

  countSteps(query?: { executionId?: string }): Promise<Record<StepStatus, number>> {
    return this.#queries.countSteps(query?.executionId);
  }

  countActiveSteps(): Promise<Record<ActiveStepStatus, number>> {
    return this.#queries.countActiveSteps();
  }

  /** One batch of at most `limit` executions, in one statement. */
  deleteFinishedExecutions(input: {
    cutoffs: RetentionCutoffs;
    limit: number;
    workflowId?: string;
    excludeWorkflowIds?: readonly string[];
  }): Promise<number> {
    return this.#retention.deleteFinished(input);
  }

  /** A plain `VACUUM` of the journal's tables (see retention-repository.ts). */
  reclaimSpace(): Promise<void> {
    return this.#retention.reclaim();
  }

  /** Number of rows in `blobs` (tests: large payloads are stored out of line and cleaned up). */
  async countBlobs(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM blobs');
    return rows[0]?.n ?? 0;
  }

  /** Wakes other processes' workers: steps are claimable from `dueAt` on. */
  async #notify(dueAt: number): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [
      WAKE_CHANNEL,
      wakePayload(this.#schema ?? '', this.#sourceId, dueAt),
    ]);
  }
}
