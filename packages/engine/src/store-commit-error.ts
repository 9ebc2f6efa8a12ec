import { FlowstateError, type StepError } from '@flowstate/core';
import type { CommitOutcome } from './store.js';

/** An outcome of a change that failed for an unexpected reason (bad data, a bug). */
export interface CommitFailure {
  status: 'error';
  error: StepError;
}

/**
 * Thrown by a store's `commit()` when some changes of a batch failed for an unexpected reason
 * (not a conflict or a fence). Every other change of the batch IS committed; `outcomes` says
 * which. Both `SqliteStore` and `PostgresStore` throw it.
 */
export class StoreCommitError extends FlowstateError {
  override name = 'StoreCommitError';
  readonly outcomes: readonly (CommitOutcome | CommitFailure)[];
  constructor(outcomes: readonly (CommitOutcome | CommitFailure)[], cause: unknown) {
    const failed = outcomes.filter((o) => o.status === 'error').length;
    super('STORE_COMMIT_FAILED', `${failed} of ${outcomes.length} changes could not be committed`, {
      cause,
    });
    this.outcomes = outcomes;
  }
}
