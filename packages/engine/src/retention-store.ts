/**
 * Epoch-ms cutoffs by final status: a finished execution whose `finishedAt` is before the
 * cutoff of its status may be deleted.
 */
export interface RetentionCutoffs {
  succeeded: number;
  failed: number;
  cancelled: number;
}

/**
 * Deleting old executions and giving their space back (part of the `Store` port). The pruner
 * (`pruneExecutions`) calls `deleteFinishedExecutions` in small batches, yielding between them,
 * so writers are never blocked for long, then `reclaimSpace` once.
 */
export interface RetentionStore {
  /**
   * Deletes, in one transaction, up to `limit` finished executions older than their status's
   * cutoff, oldest first, with their steps, waits and blobs. Only executions of `workflowId`
   * when given; none of `excludeWorkflowIds`. Returns how many were deleted.
   */
  deleteFinishedExecutions(input: {
    cutoffs: RetentionCutoffs;
    limit: number;
    workflowId?: string;
    excludeWorkflowIds?: readonly string[];
  }): Promise<number>;
  /** Returns freed space to the file system (SQLite: incremental vacuum and WAL truncation). */
  reclaimSpace(): Promise<void>;
}
