import type pg from 'pg';
import type { RetentionCutoffs } from '@flowstate/engine';
import { retrying } from './connection.js';

/**
 * Up to `$6` finished executions past their status's cutoff, oldest first (through
 * `executions_finished`), deleted in one statement. Rows another transaction holds are
 * skipped (the next batch gets them). Steps and waits go by `ON DELETE CASCADE`, blobs by the
 * delete triggers.
 */
const DELETE_SQL = `WITH doomed AS MATERIALIZED (
  SELECT id FROM executions
  WHERE finished_at IS NOT NULL
    AND ((status = 'succeeded' AND finished_at < $1)
      OR (status = 'failed' AND finished_at < $2)
      OR (status = 'cancelled' AND finished_at < $3))
    AND ($4::text IS NULL OR workflow_id = $4)
    AND NOT (workflow_id = ANY($5::text[]))
  ORDER BY finished_at LIMIT $6
  FOR UPDATE SKIP LOCKED
)
DELETE FROM executions e USING doomed WHERE e.id = doomed.id`;

/** Tables whose dead rows retention leaves behind. */
const PRUNED_TABLES = 'executions, steps, waits, blobs';

/** Deletes finished executions past their retention (see `RetentionStore`). */
export class RetentionRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** One batch in one transaction (the statement's own). */
  async deleteFinished(input: {
    cutoffs: RetentionCutoffs;
    limit: number;
    workflowId?: string;
    excludeWorkflowIds?: readonly string[];
  }): Promise<number> {
    const { cutoffs } = input;
    const result = await retrying(() =>
      this.#pool.query(DELETE_SQL, [
        cutoffs.succeeded,
        cutoffs.failed,
        cutoffs.cancelled,
        input.workflowId ?? null,
        input.excludeWorkflowIds ?? [],
        input.limit,
      ]),
    );
    return result.rowCount ?? 0;
  }

  /**
   * A plain `VACUUM` of the pruned tables: their dead rows become reusable at once (instead
   * of at autovacuum's next pass) and empty pages at the end of a table go back to the file
   * system. It does not block reads or writes. PostgreSQL only lets the tables' owner vacuum
   * them; for anyone else it skips them with a warning, and autovacuum does the work.
   */
  async reclaim(): Promise<void> {
    await this.#pool.query(`VACUUM ${PRUNED_TABLES}`);
  }
}
