import type { JsonValue, StepError, WebhookResponse } from '@flowstate/core';
import type { AuditStore } from './audit-store.js';
import type { AuthStore } from './auth-store.js';
import type { CredentialStore } from './credential-store.js';
import type { IdempotencyStore } from './idempotency-store.js';
import type { NotificationStore } from './notification-store.js';
import type { RetentionStore } from './retention-store.js';
import type { ScheduleStore, ScheduleTick } from './schedule-store.js';
import type { SettingsStore } from './settings-store.js';
import type { WaitStore } from './wait-store.js';
import type { WebhookDeliveryStore } from './webhook-delivery-store.js';
import type { WorkflowStore } from './workflow-store.js';

export * from './workflow-store.js';
export * from './retention-store.js';
export * from './settings-store.js';
export * from './notification-store.js';

/**
 * The engine's storage port. The engine talks to storage only through this interface;
 * `SqliteStore` and `PostgresStore` implement it and both pass `storeContract()`.
 *
 * Concurrency model (see docs/architecture.md):
 * - Decisions about an execution (which steps exist, their results) are committed with
 *   optimistic concurrency on `ExecutionRecord.seq`: a commit names the seq it was based on.
 * - A step result is fenced on the step's lease owner: a worker whose lease was taken over
 *   cannot record its late result.
 * - One `commit()` call carries changes of many executions (group commit): each entry is
 *   applied atomically on its own, in one database transaction, and gets its own outcome.
 *
 * The platform's other concerns have their own ports, which a store implements too: users,
 * sessions and API keys (`AuthStore`), encrypted credentials (`CredentialStore`), the audit
 * log (`AuditStore`), webhook replay protection (`WebhookDeliveryStore`) and in-app
 * notifications (`NotificationStore`).
 */
export interface Store
  extends
    WorkflowStore,
    RetentionStore,
    SettingsStore,
    ScheduleStore,
    IdempotencyStore,
    WaitStore,
    AuthStore,
    CredentialStore,
    AuditStore,
    WebhookDeliveryStore,
    NotificationStore {
  /** Creates or upgrades the schema. Safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // ---- executions and steps -----------------------------------------------------------
  /** Applies a batch of execution changes in one transaction (one fsync). */
  commit(changes: readonly ExecutionChange[]): Promise<CommitOutcome[]>;
  /** The execution with all its steps, or undefined. */
  loadExecution(id: string): Promise<LoadedExecution | undefined>;
  getExecution(id: string): Promise<ExecutionRecord | undefined>;
  listExecutions(query: ExecutionQuery): Promise<ExecutionRecord[]>;
  /** Child executions started by `flow.call` steps of `parentId`. */
  listChildExecutions(parentId: string): Promise<ExecutionRecord[]>;

  /**
   * Claims up to `limit` steps whose time has come, for `owner`, until `now + leaseMs`:
   * - `ready` steps with `runAt <= now` and no live lease: status becomes `running`, attempt + 1;
   * - `running` steps whose lease expired (their worker died): attempt + 1, stays `running`;
   * - `waiting` steps with `runAt <= now` (a wait's time is up): lease taken, stays `waiting`.
   * Steps of executions that are not `running` are never claimed. Each claimed step is returned
   * as it is after the claim, with the status it had before.
   */
  claimSteps(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ClaimedStep[]>;
  /**
   * Extends the leases `owner` still holds on these steps; returns those steps (in any
   * order). The others were lost: expired and claimed by another worker, or made final.
   */
  renewLeases(input: {
    owner: string;
    steps: readonly StepRef[];
    leaseExpiresAt: number;
  }): Promise<StepRef[]>;
  /** Drops every lease held by `owner` (graceful shutdown) so others can claim at once. */
  releaseLeases(owner: string): Promise<void>;
  /** Expires every lease not held by `exceptOwner` (embedded start: all other owners are dead). */
  expireLeases(input: { exceptOwner: string; now: number }): Promise<number>;
  /** Earliest `runAt` among claimable `ready` and timed `waiting` steps, if any. */
  nextDueAt(): Promise<number | undefined>;

  /** Open waits for an event name and correlation key. */
  findWaits(input: { eventName: string; correlationKey: string }): Promise<WaitRecord[]>;

  /**
   * What the sweeper resolves (see `StuckExecutions`), at most `limit` of each kind;
   * `overdue` are those whose `deadlineAt` is at or before `now`.
   */
  findStuck(input: { limit: number; now: number }): Promise<StuckExecutions>;

  /**
   * Counts by status, of one execution or of the whole journal. The whole journal is a scan
   * of every execution: for a gauge, use `countActiveSteps`.
   */
  countSteps(query?: { executionId?: string }): Promise<Record<StepStatus, number>>;
  /**
   * Steps that are ready, running or waiting (the queue depth and the sleepers): served by
   * the index of active steps, so it costs the same at any journal size.
   */
  countActiveSteps(): Promise<Record<ActiveStepStatus, number>>;

  /**
   * Optional: calls `listener` when ANOTHER process committed steps that this one may claim
   * (`dueAt`: when they are due; absent when something may have been missed, e.g. after a
   * reconnect). Workers then claim at once instead of at their next poll. Returns the
   * function that unsubscribes. A store used by one process only (SQLite) has none.
   */
  subscribeWake?(listener: (dueAt?: number) => void): () => void;

  /**
   * Optional: calls `listener` with the ids of executions that ANOTHER process's commit ended
   * or gave their webhook response, so that a process waiting to answer for one reads it at
   * once instead of at its next poll. Returns the function that unsubscribes.
   */
  subscribeSettled?(listener: (executionIds: readonly string[]) => void): () => void;
}

/** An execution that waits (delay, event, sub-workflow) stays `running`: its steps wait. */
export type ExecutionStatus = 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

export const FINAL_EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
];

export type StepStatus =
  'ready' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export const STEP_STATUSES: readonly StepStatus[] = [
  'ready',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
];

/** A step that is not final: it may still be claimed or woken up. */
export type ActiveStepStatus = 'ready' | 'running' | 'waiting';

export const ACTIVE_STEP_STATUSES: readonly ActiveStepStatus[] = ['ready', 'running', 'waiting'];

export const FINAL_STEP_STATUSES: readonly StepStatus[] = [
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
];

export interface ExecutionRecord {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: ExecutionStatus;
  /** Optimistic-concurrency counter: bumped by every committed change of this execution. */
  seq: number;
  triggerNodeId: string;
  /** The trigger node's type (`trigger.webhook`, ...), for filtering lists. */
  triggerType?: string;
  /** The trigger's output. */
  input: JsonValue;
  output?: JsonValue;
  error?: StepError;
  /** Set by `webhook.respond`. */
  response?: WebhookResponse;
  parentExecutionId?: string;
  parentStepKey?: string;
  /** 0 for a top-level execution, parent's depth + 1 for a sub-workflow. */
  depth: number;
  /** Execution this one re-runs or retries, if any. */
  rerunOf?: string;
  /** Side-effecting nodes run in simulation mode (see `StartExecutionOptions.simulate`). */
  simulate?: true;
  /**
   * Epoch ms by which the execution must have ended (its workflow's `settings.timeoutMs` from
   * its start or its last retry); past it, it fails with `EXECUTION_TIMEOUT`.
   */
  deadlineAt?: number;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

/** Executions left in a state nothing in flight will resolve (a process died midway). */
export interface StuckExecutions {
  /** Finished (succeeded/failed/cancelled) children whose calling step is still `waiting`. */
  orphanedChildren: ExecutionRecord[];
  /** `running` executions with no step left ready, running or waiting. */
  unfinished: ExecutionRecord[];
  /**
   * Unfinished (running/paused) children whose calling step was cancelled, by a cancel of the
   * caller or by its failure when the call did not ask its child to continue
   * (`keepOnFailure`): the cancel of the child that should have followed never happened.
   */
  abandonedChildren: ExecutionRecord[];
  /** Unfinished (running/paused) executions past their `deadlineAt`, earliest first. */
  overdue: ExecutionRecord[];
}

export interface StepRef {
  executionId: string;
  key: string;
}

/**
 * One step of an execution. `key` is the node path: the node id at top level,
 * `loopId[3]/nodeId` inside the fourth iteration of a loop.
 */
export interface StepRecord {
  executionId: string;
  key: string;
  nodeId: string;
  status: StepStatus;
  /** Attempts started so far (0 until first claimed/run). */
  attempt: number;
  /** Epoch ms from which a `ready` step may run, or when a `waiting` step's wait ends. */
  runAt?: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  input?: JsonValue;
  output?: JsonValue;
  /** The port the output went out of. */
  port?: string;
  error?: StepError;
  /** Engine-private state of waiting steps (loops, calls, waits). */
  state?: JsonValue;
  startedAt?: number;
  finishedAt?: number;
  /** Duration of the last attempt's node code, in ms. */
  durationMs?: number;
}

export interface WaitRecord {
  executionId: string;
  stepKey: string;
  eventName: string;
  correlationKey: string;
  createdAt: number;
  /** Public facts about the wait (`SuspendOptions.info`), e.g. an approval's approvers. */
  info?: JsonValue;
}

export interface LoadedExecution {
  execution: ExecutionRecord;
  steps: StepRecord[];
}

export interface ClaimedStep {
  step: StepRecord;
  previousStatus: StepStatus;
}

/** A step write inside an `ExecutionChange`. */
export interface StepWrite {
  step: StepRecord;
  /**
   * Fence: the write applies only if the stored row's `leaseOwner` equals this and its status
   * is not final. Absent for steps the change creates or for writes made under the
   * execution's seq alone (event delivery, cancel).
   */
  expectLeaseOwner?: string;
}

/** Every change of one execution that must be applied atomically. */
export interface ExecutionChange {
  /** `'new'` inserts `execution`; a number requires the stored seq to equal it. */
  expectSeq: number | 'new';
  /** The execution row as it must be after the change; its `seq` is set by the store. */
  execution: ExecutionRecord;
  /** Inserted or replaced step rows. */
  steps: readonly StepWrite[];
  addWaits?: readonly WaitRecord[];
  /** Waits removed (by their step) once resolved. */
  removeWaits?: readonly StepRef[];
  /**
   * Only with `expectSeq: 'new'`: a key no other execution may have. A second execution with
   * the same key is refused as a whole with `duplicate`, naming the first one. Schedule ticks
   * and idempotent event deliveries start their executions with one.
   */
  dedupeKey?: string;
  /**
   * Only with `expectSeq: 'new'`: the schedule tick this execution fires. The change applies
   * only while the schedule's fence holds (`schedule-changed` otherwise), and moves the
   * schedule to its next run in the same transaction.
   */
  scheduleTick?: ScheduleTick;
}

export type CommitOutcome =
  | { status: 'ok'; seq: number }
  /** The execution changed since `expectSeq` (or already exists for `'new'`). */
  | { status: 'conflict' }
  /** A fenced step's lease is no longer held by the expected owner. */
  | { status: 'fenced'; stepKey: string }
  /** An execution with the change's `dedupeKey` exists already: nothing was written. */
  | { status: 'duplicate'; executionId: string }
  /** The `scheduleTick`'s schedule changed since it was claimed: nothing was written. */
  | { status: 'schedule-changed'; scheduleId: string };

export interface ExecutionQuery {
  workflowId?: string;
  status?: ExecutionStatus;
  parentExecutionId?: string;
  triggerNodeId?: string;
  triggerType?: string;
  /** Created at or after this time (epoch ms). */
  createdFrom?: number;
  /** Created strictly before this time (epoch ms). */
  createdTo?: number;
  /**
   * Case-insensitive text the trigger input's JSON must contain. Inputs stored out of line
   * (blobs) are not searched.
   */
  text?: string;
  limit: number;
  /** Return executions created strictly before this cursor (from a previous page). */
  before?: { createdAt: number; id: string };
}
