export * from './api.js';
export * from './store.js';
export * from './schedule-store.js';
export * from './idempotency-store.js';
export * from './wait-store.js';
export * from './auth-store.js';
export * from './credential-store.js';
export * from './audit-store.js';
export * from './webhook-delivery-store.js';
export * from './credential-provider.js';
export { Redactor, REDACTED } from './redaction.js';
export { StoreCommitError, type CommitFailure } from './store-commit-error.js';
export { Engine, type ExecutionHandle, type ExecutionOutcome } from './engine.js';
export type { RerunFromOptions } from './rerun-from.js';
export { readiness, edgeState, type EdgeState, type Readiness } from './readiness.js';
export { retryDelay, retryPolicy, DEFAULT_RETRY } from './retry.js';
export { parseStepKey, stepKey, type Scope } from './keys.js';
export { uuidv7 } from './ids.js';
export {
  countByStatus,
  decodeCompactJournal,
  encodeCompactJournal,
  isCompactable,
} from './compact-journal.js';
export { MIN_ATTEMPTS_AFTER_WORKER_LOSS } from './workers.js';
export { CALLER_ENDED_SQL, DEADLINE_SQL, OPEN_CHILD_SQL } from './store-sql.js';
export {
  pruneExecutions,
  retentionCutoffs,
  DEFAULT_RETENTION,
  DEFAULT_PRUNE_BATCH,
  type RetentionPolicy,
  type PruneOptions,
  type PruneResult,
} from './retention.js';
