import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { FlowstateError, type Workflow } from '@flowstate/core';
import type {
  ClaimedStep,
  CommitOutcome,
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
import {
  checkSchemaName,
  clientConfig,
  createPool,
  describeUrl,
  type PoolOptions,
} from './connection.js';
import { ExecutionCommitter } from './execution-commit.js';
import { ExecutionQueries } from './execution-queries.js';
import { runMigrations } from './migrations.js';
import { PayloadCodec } from './payload-codec.js';
import { StepLeases } from './step-leases.js';
import { WAKE_CHANNEL, wakePayload, WakeSubscription, type WakeListener } from './wake.js';
import { WorkflowRepository } from './workflow-repository.js';

/** Options of `PostgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (a `DATABASE_URL`). */
  connectionString: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /**
   * Schema holding Flowstate's tables, created by `migrate()` if missing and set as the
   * `search_path` of every connection. Default: the server's `search_path` (usually `public`).
   */
  schema?: string;
  /** Payloads whose JSON is larger than this go to the `blobs` table. Default 256 KiB. */
  blobThresholdBytes?: number;
  /** NOTIFY other processes when a commit makes steps claimable. Default true. */
  notify?: boolean;
  /** `application_name` of the connections (shown in `pg_stat_activity`). Default `flowstate`. */
  applicationName?: string;
  /** How long opening a connection may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** Errors of idle connections and of the LISTEN connection (they are retried, not thrown). */
  onError?: (error: Error) => void;
}

/**
 * The scale-out `Store`: PostgreSQL through a `pg` pool, shared by any number of API and
 * worker processes. Claims use `FOR UPDATE SKIP LOCKED`, commits are one transaction per
 * batch, and `subscribeWake` tells idle workers about steps other processes made claimable
 * (LISTEN/NOTIFY). See ARCHITECTURE.md.
 *
 * @example
 * const store = await PostgresStore.connect({ connectionString: process.env.DATABASE_URL! });
 * await store.close();
 */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #poolOptions: PoolOptions;
  readonly #schema: string | undefined;
  readonly #sourceId = randomUUID();
  readonly #onError: (error: Error) => void;
  readonly #workflows: WorkflowRepository;
  readonly #committer: ExecutionCommitter;
  readonly #queries: ExecutionQueries;
  readonly #leases: StepLeases;
  #wake: WakeSubscription | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    const poolSize = options.poolSize ?? 10;
    const blobThresholdBytes = options.blobThresholdBytes ?? 256 * 1024;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw invalidOption('poolSize must be a positive integer', options.poolSize);
    }
    if (!Number.isInteger(blobThresholdBytes) || blobThresholdBytes < 0) {
      throw invalidOption(
        'blobThresholdBytes must be a non-negative integer',
        options.blobThresholdBytes,
      );
    }
    if (options.schema !== undefined) checkSchemaName(options.schema);
    this.#schema = options.schema;
    this.#onError = options.onError ?? (() => undefined);
    this.#poolOptions = {
      connectionString: options.connectionString,
      poolSize,
      applicationName: options.applicationName ?? 'flowstate',
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    };
    this.#pool = createPool(this.#poolOptions, this.#onError);
    const codec = new PayloadCodec(blobThresholdBytes);
    this.#workflows = new WorkflowRepository(this.#pool);
    this.#committer = new ExecutionCommitter(this.#pool, {
      codec,
      notify: options.notify ?? true,
      schema: this.#schema ?? '',
      sourceId: this.#sourceId,
    });
    this.#queries = new ExecutionQueries(this.#pool);
    this.#leases = new StepLeases(this.#pool, () =>
      options.notify === false ? Promise.resolve() : this.#notify(0),
    );
  }

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

  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
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
    await this.#pool.end();
  }

  /**
   * Calls `listener` when another process commits steps that this one may claim (`dueAt` is
   * when they are due), and without a time after the LISTEN connection was re-established.
   * Returns the function that unsubscribes.
   */
  subscribeWake(listener: WakeListener): () => void {
    this.#wake ??= new WakeSubscription({
      config: clientConfig(this.#poolOptions),
      schema: this.#schema ?? '',
      sourceId: this.#sourceId,
      onError: this.#onError,
    });
    return this.#wake.subscribe(listener);
  }

  /** Resolves once the wake connection LISTENs (tests: no notification is missed after it). */
  async wakeReady(): Promise<void> {
    await this.#wake?.ready();
  }

  createWorkflow(input: {
    id: string;
    definition: Workflow;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord> {
    return this.#workflows.create(input);
  }

  saveWorkflowVersion(input: {
    workflowId: string;
    definition: Workflow;
    expectVersion?: number;
    now: number;
  }): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }> {
    return this.#workflows.saveVersion(input);
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
  }): Promise<number> {
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
    return this.#queries.findWaits(input.eventName, input.correlationKey);
  }

  findStuck(input: {
    limit: number;
  }): Promise<{ orphanedChildren: ExecutionRecord[]; unfinished: ExecutionRecord[] }> {
    return this.#queries.findStuck(input.limit);
  }

  countSteps(query?: { executionId?: string }): Promise<Record<StepStatus, number>> {
    return this.#queries.countSteps(query?.executionId);
  }

  /** Number of rows in `blobs` (tests: large payloads are stored out of line and cleaned up). */
  async countBlobs(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>('SELECT count(*) AS n FROM blobs');
    return rows[0]?.n ?? 0;
  }

  /** Wakes other processes' workers: steps are claimable from `dueAt` on. */
  async #notify(dueAt: number): Promise<void> {
    await this.#pool.query('SELECT pg_notify($1, $2)', [
      WAKE_CHANNEL,
      wakePayload(this.#schema ?? '', this.#sourceId, dueAt),
    ]);
  }
}

function invalidOption(problem: string, value: unknown): FlowstateError {
  return new FlowstateError('INVALID_OPTIONS', `PostgresStore ${problem}, got ${String(value)}`);
}
