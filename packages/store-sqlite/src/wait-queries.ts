import type { Database, Statement } from 'better-sqlite3';
import type { WaitRecord } from '@flowstate/engine';
import { toWaitRecord, type WaitRow } from './rows.js';

interface ListParams {
  event: string;
  limit: number;
  created_at: number;
  execution_id: string;
  step_key: string;
}

/** Listing and lookup of open waits (see `WaitStore`). */
export class WaitQueries {
  readonly #list: Statement<[ListParams], WaitRow>;
  readonly #get: Statement<[string, string], WaitRow>;

  constructor(db: Database) {
    // Waits of failed executions stay (a retry restores their steps): list live ones only.
    this.#list = db.prepare(`SELECT w.* FROM waits w
      CROSS JOIN executions e ON e.id = w.execution_id
      WHERE w.event_name = @event AND e.status IN ('running', 'paused')
      AND (w.created_at, w.execution_id, w.step_key) > (@created_at, @execution_id, @step_key)
      ORDER BY w.created_at, w.execution_id, w.step_key LIMIT @limit`);
    this.#get = db.prepare('SELECT * FROM waits WHERE execution_id = ? AND step_key = ? LIMIT 1');
  }

  list(query: {
    eventName: string;
    limit: number;
    after?: { createdAt: number; executionId: string; stepKey: string };
  }): WaitRecord[] {
    return this.#list
      .all({
        event: query.eventName,
        limit: query.limit,
        created_at: query.after?.createdAt ?? Number.MIN_SAFE_INTEGER,
        execution_id: query.after?.executionId ?? '',
        step_key: query.after?.stepKey ?? '',
      })
      .map(toWaitRecord);
  }

  get(executionId: string, stepKey: string): WaitRecord | undefined {
    const row = this.#get.get(executionId, stepKey);
    return row === undefined ? undefined : toWaitRecord(row);
  }
}
