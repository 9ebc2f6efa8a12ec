import type pg from 'pg';
import { serializeError } from '@flowstate/core';
import {
  FINAL_EXECUTION_STATUSES,
  StoreCommitError,
  type CommitFailure,
  type CommitOutcome,
  type ExecutionChange,
} from '@flowstate/engine';
import { claimableRunAt, writeChange } from './change-writer.js';
import { inTransaction, isRetriable } from './connection.js';
import { existingExecutionRun, updateExistingExecutions } from './existing-executions.js';
import {
  insertNewExecutions,
  isPlainStartBatch,
  newExecutionRun,
  startInOneStatement,
} from './new-executions.js';
import type { PayloadCodec } from './payload-codec.js';
import {
  notifyCalls,
  SETTLED_CHANNEL,
  settledPayloads,
  WAKE_CHANNEL,
  wakePayload,
} from './wake.js';

/** What the committer needs besides the pool. */
export interface CommitterOptions {
  codec: PayloadCodec;
  /** Sends a `flowstate_wake` NOTIFY when a commit makes steps claimable by other workers. */
  notify: boolean;
  /** Schema of the store, named in its notifications (see wake.ts). */
  schema: string;
  /** Identifies this store in its notifications (its own listener ignores them). */
  sourceId: string;
}

/**
 * Applies batches of `ExecutionChange`s in one transaction per batch.
 *
 * Fast path: each change is checked under row locks before it writes anything (see
 * change-writer.ts), so a conflicting or fenced change leaves no trace without a savepoint;
 * consecutive changes that create executions are inserted together (new-executions.ts).
 * Safe path: if anything throws unexpectedly (bad data, a foreign key), the transaction is
 * rolled back and the batch is redone with one SAVEPOINT per change; the failing change rolls
 * back alone, the others commit, and `commit()` throws `StoreCommitError` with every outcome.
 * A deadlock or serialization failure retries the whole batch instead (nothing was applied).
 */
export class ExecutionCommitter {
  readonly #pool: pg.Pool;
  readonly #options: CommitterOptions;

  constructor(pool: pg.Pool, options: CommitterOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** See `Store.commit`. Throws `StoreCommitError` if any change failed unexpectedly. */
  async commit(changes: readonly ExecutionChange[]): Promise<CommitOutcome[]> {
    if (changes.length === 0) return [];
    let outcomes: (CommitOutcome | CommitFailure)[] | undefined;
    try {
      // The webhook hot path: new executions that finished in memory, one round trip.
      if (isPlainStartBatch(changes)) {
        const notifications = this.#notifications(changes, () => true);
        outcomes = await startInOneStatement(
          this.#pool,
          this.#options.codec,
          changes,
          notifications,
        );
      }
      outcomes ??= await inTransaction(this.#pool, (client) => this.#fast(client, changes));
    } catch (error) {
      if (isRetriable(error) || isConnectionError(error)) throw error;
      outcomes = await inTransaction(this.#pool, (client) => this.#safe(client, changes));
    }
    const firstError = outcomes.find((o) => o.status === 'error');
    if (firstError !== undefined) throw new StoreCommitError(outcomes, firstError.error);
    return outcomes as CommitOutcome[];
  }

  async #fast(
    client: pg.PoolClient,
    changes: readonly ExecutionChange[],
  ): Promise<CommitOutcome[]> {
    await lockInOrder(client, changes);
    const codec = this.#options.codec;
    const outcomes: CommitOutcome[] = [];
    for (let i = 0; i < changes.length;) {
      const run = newExecutionRun(changes, i);
      const existing = run >= 2 ? 0 : existingExecutionRun(changes, i);
      if (run >= 2) {
        outcomes.push(...(await insertNewExecutions(client, codec, changes.slice(i, i + run))));
        i += run;
      } else if (existing >= 2) {
        const slice = changes.slice(i, i + existing);
        outcomes.push(...(await updateExistingExecutions(client, codec, slice)));
        i += existing;
      } else {
        outcomes.push(await writeChange(client, codec, changes[i]!));
        i += 1;
      }
    }
    await this.#wake(client, changes, outcomes);
    return outcomes;
  }

  async #safe(
    client: pg.PoolClient,
    changes: readonly ExecutionChange[],
  ): Promise<(CommitOutcome | CommitFailure)[]> {
    await lockInOrder(client, changes);
    const outcomes: (CommitOutcome | CommitFailure)[] = [];
    for (const change of changes) {
      await client.query('SAVEPOINT change');
      try {
        outcomes.push(await writeChange(client, this.#options.codec, change));
        await client.query('RELEASE SAVEPOINT change');
      } catch (error) {
        if (isRetriable(error) || isConnectionError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT change; RELEASE SAVEPOINT change');
        outcomes.push({ status: 'error', error: serializeError(error) });
      }
    }
    await this.#wake(client, changes, outcomes);
    return outcomes;
  }

  /**
   * Notifies other processes (at COMMIT) when accepted changes made steps claimable, and which
   * executions ended or got their webhook response (a process waiting to answer reads them).
   */
  async #wake(
    client: pg.PoolClient,
    changes: readonly ExecutionChange[],
    outcomes: readonly (CommitOutcome | CommitFailure)[],
  ): Promise<void> {
    const notifications = this.#notifications(changes, (i) => outcomes[i]?.status === 'ok');
    if (notifications.length === 0) return;
    const calls = notifyCalls(notifications.length / 2);
    await client.query(`SELECT ${calls.join(', ')}`, notifications);
  }

  /** The channel/payload pairs `#wake` sends for the `accepted` changes of a batch. */
  #notifications(
    changes: readonly ExecutionChange[],
    accepted: (index: number) => boolean,
  ): string[] {
    if (!this.#options.notify) return [];
    const { schema, sourceId } = this.#options;
    let earliest: number | undefined;
    const settled: string[] = [];
    changes.forEach((change, i) => {
      if (!accepted(i)) return;
      const at = claimableRunAt(change);
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
      // A process waiting for this execution's outcome can have it now. An execution this
      // commit creates has no waiters elsewhere: no other process knew its id, and the one
      // that made it tells its own waiters (NOTIFY also serializes commits on a global lock).
      const { execution } = change;
      if (change.expectSeq === 'new') return;
      if (execution.response !== undefined || FINAL_EXECUTION_STATUSES.includes(execution.status))
        settled.push(execution.id);
    });
    const notifications: string[] = [];
    if (earliest !== undefined) {
      notifications.push(WAKE_CHANNEL, wakePayload(schema, sourceId, earliest));
    }
    for (const payload of settledPayloads(schema, sourceId, settled)) {
      notifications.push(SETTLED_CHANNEL, payload);
    }
    return notifications;
  }
}

/**
 * Locks the rows of the existing executions a batch changes, in id order, so that two
 * batches changing the same executions in different orders wait for each other instead of
 * deadlocking. Skipped when the batch changes at most one existing execution.
 */
async function lockInOrder(client: pg.PoolClient, changes: readonly ExecutionChange[]) {
  const ids = new Set<string>();
  for (const change of changes) if (change.expectSeq !== 'new') ids.add(change.execution.id);
  if (ids.size < 2) return;
  await client.query('SELECT 1 FROM executions WHERE id = ANY($1) ORDER BY id FOR UPDATE', [
    [...ids],
  ]);
}

/** The connection failed (server down, restart): redoing the batch on the safe path cannot help. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // SQLSTATE class 08: connection exception; 57P: operator intervention (shutdown).
  return code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code);
}
