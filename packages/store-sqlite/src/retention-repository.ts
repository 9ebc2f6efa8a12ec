import type { Database, Statement } from 'better-sqlite3';
import type { RetentionCutoffs } from '@flowstate/engine';

/** Pages freed per `incremental_vacuum` call; the event loop gets a turn between calls. */
const VACUUM_PAGES_PER_STEP = 4096;
/** Tries of the WAL-truncating checkpoint while a reader holds it back. */
const TRUNCATE_ATTEMPTS = 100;

type DeleteParams = RetentionCutoffs & {
  limit: number;
  workflowId: string | null;
  exclude: string;
};

/**
 * Deletes finished executions past their retention and gives the space back. Steps and waits
 * go by `ON DELETE CASCADE`, blobs by the delete triggers of migrations.ts; the database runs
 * with `auto_vacuum = INCREMENTAL`, so `reclaim()` can hand free pages back to the file system.
 */
export class RetentionRepository {
  readonly #db: Database;
  readonly #delete: Statement<[DeleteParams]>;

  constructor(db: Database) {
    this.#db = db;
    // Oldest first through executions_finished; one statement, one transaction per batch.
    this.#delete = db.prepare(`DELETE FROM executions WHERE id IN (
      SELECT id FROM executions
      WHERE finished_at IS NOT NULL
        AND ((status = 'succeeded' AND finished_at < @succeeded)
          OR (status = 'failed' AND finished_at < @failed)
          OR (status = 'cancelled' AND finished_at < @cancelled))
        AND (@workflowId IS NULL OR workflow_id = @workflowId)
        AND workflow_id NOT IN (SELECT value FROM json_each(@exclude))
      ORDER BY finished_at LIMIT @limit)`);
  }

  deleteFinished(input: {
    cutoffs: RetentionCutoffs;
    limit: number;
    workflowId?: string;
    excludeWorkflowIds?: readonly string[];
  }): number {
    const run = this.#db.transaction(
      () =>
        this.#delete.run({
          ...input.cutoffs,
          limit: input.limit,
          workflowId: input.workflowId ?? null,
          exclude: JSON.stringify(input.excludeWorkflowIds ?? []),
        }).changes,
    );
    return run.immediate();
  }

  /**
   * Moves free pages to the end of the file and truncates it, a few thousand pages per step,
   * then checkpoints and truncates the WAL. The checkpoint runs with `synchronous = FULL` so
   * the database file is on disk before the WAL that held its pages is emptied.
   */
  async reclaim(): Promise<void> {
    while ((this.#db.pragma('freelist_count', { simple: true }) as number) > 0) {
      this.#db.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_STEP})`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.#db.pragma('journal_mode', { simple: true }) !== 'wal') return;
    const previous = this.#db.pragma('synchronous', { simple: true }) as number;
    this.#db.pragma('synchronous = FULL');
    try {
      // A reader (the background checkpointer) can make a TRUNCATE checkpoint give up: retry.
      for (let attempt = 0; attempt < TRUNCATE_ATTEMPTS; attempt++) {
        const [result] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        if (result?.busy === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      this.#db.pragma(`synchronous = ${previous}`);
    }
  }
}
