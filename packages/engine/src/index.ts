export * from './api.js';
export * from './store.js';
export { StoreCommitError, type CommitFailure } from './store-commit-error.js';
export { Engine, type ExecutionHandle, type ExecutionOutcome } from './engine.js';
export { readiness, edgeState, type EdgeState, type Readiness } from './readiness.js';
export { retryDelay, retryPolicy, DEFAULT_RETRY } from './retry.js';
export { parseStepKey, stepKey, type Scope } from './keys.js';
export { uuidv7 } from './ids.js';
export { MIN_ATTEMPTS_AFTER_WORKER_LOSS } from './workers.js';
