import type { JsonValue, NodeRegistry, WebhookResponse } from '@flowstate/core';
import type { ScheduleTick } from './schedule-store.js';
import type { CredentialProvider } from './credential-provider.js';
import type { Redactor } from './redaction.js';
import type { ExecutionRecord, StepRecord, Store } from './store.js';

/** Source of time for every decision the engine makes (injected so tests control it). */
export interface Clock {
  now(): number;
}

/** Source of ids (injected so tests and replays are deterministic). */
export interface IdSource {
  executionId(): string;
}

/** Receives structured log entries; pino loggers satisfy it. */
export interface EngineLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** Named points where tests can crash or stall the engine (crash-safety tests). */
export type FailpointName = 'after-side-effect-before-record' | 'after-commit';

export interface EngineOptions {
  store: Store;
  registry: NodeRegistry;
  clock?: Clock;
  ids?: IdSource;
  /** Unique per process; leases are taken in its name. */
  workerId?: string;
  /** How long a claimed step is leased before another worker may take it over. */
  leaseMs?: number;
  /** How many steps this worker runs at once. */
  concurrency?: number;
  /**
   * False for a process that runs no node code (an API process beside workers sharing a
   * PostgreSQL store): steps it makes ready are committed unleased, for the workers to claim
   * (the store wakes them), and it claims nothing. Default true.
   */
  runSteps?: boolean;
  /**
   * Longest pause between two reads of an execution from the store while someone waits for
   * its outcome (a synchronous webhook), for executions driven by other processes. The reads
   * start 10 ms apart and back off to this. Default: 250 ms with a store shared by several
   * processes (one with `subscribeWake`), 0 (no reads: every commit is this process's) with
   * one that is not.
   */
  outcomePollMs?: number;
  /**
   * How often the worker looks for due steps besides its timer for the next known due time
   * and the store's wake notifications (the safety net). Default 1000 ms.
   */
  pollIntervalMs?: number;
  /** Maximum sub-workflow nesting. */
  maxDepth?: number;
  /** Default attempt timeout for nodes that set none. */
  defaultTimeoutMs?: number;
  /** Time and depth bounds of expression evaluation. */
  expressionTimeoutMs?: number;
  logger?: EngineLogger;
  /** Decrypts credentials for nodes that declare credential params; none: such nodes fail. */
  credentials?: CredentialProvider;
  /** Learns the secrets handed to nodes, so logs can redact them; one is made if absent. */
  redactor?: Redactor;
  /** Called at named failpoints; may throw or exit the process. */
  failpoint?: (name: FailpointName, info: { executionId: string; stepKey: string }) => void;
}

export interface StartExecutionOptions {
  workflowId: string;
  /** Defaults to the workflow's published version (or its draft with `draft`). */
  version?: number;
  /** Run the draft (latest saved) version instead of the published one: test runs. */
  draft?: boolean;
  /**
   * Simulation (a test run): side-effecting nodes record the exact request they would send
   * and return a sample instead of acting. Kept on the execution, so its sub-workflows, its
   * retries and re-runs, and a worker that takes it over after a crash simulate too.
   */
  simulate?: boolean;
  /** Defaults to the workflow's only trigger (or the first `trigger.manual`). */
  triggerNodeId?: string;
  /** Becomes the trigger step's output. */
  input: JsonValue;
  /**
   * Starts nothing when an execution with this key exists already: the handle names that
   * one (`duplicate: true`). Keys of schedule ticks and idempotent event deliveries.
   */
  dedupeKey?: string;
  /** The schedule tick this execution fires, committed with it (see `ExecutionChange`). */
  scheduleTick?: ScheduleTick;
}

/** Live updates emitted by the engine after each commit. */
export type EngineEvent =
  | { type: 'execution'; execution: ExecutionRecord }
  | {
      type: 'step';
      executionId: string;
      workflowId: string;
      /** The type of the step's node (`transform.set`), for metrics and live views. */
      nodeType: string;
      step: StepRecord;
    };

export interface ExecutionDetail {
  execution: ExecutionRecord;
  steps: StepRecord[];
  children: ExecutionRecord[];
}

export type { WebhookResponse };
