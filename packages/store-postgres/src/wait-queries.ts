import type pg from 'pg';
import type { WaitRecord } from '@flowstate/engine';
import { toWaitRecord, type WaitRow } from './rows.js';

const FIND_SQL = `SELECT * FROM waits WHERE event_name = $1 AND correlation_key = $2
  ORDER BY created_at, execution_id, step_key`;

/** Waits of failed executions stay (a retry restores their steps): live ones only. */
const LIST_SQL = `SELECT w.* FROM waits w JOIN executions e ON e.id = w.execution_id
  WHERE w.event_name = $1 AND e.status IN ('running', 'paused')
  AND (w.created_at, w.execution_id, w.step_key) > ($2::bigint, $3::text, $4::text)
  ORDER BY w.created_at, w.execution_id, w.step_key LIMIT $5`;

const GET_SQL = 'SELECT * FROM waits WHERE execution_id = $1 AND step_key = $2 LIMIT 1';

/** Open waits: event delivery's lookup, listing by kind and by step (see `WaitStore`). */
export class WaitQueries {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async find(eventName: string, correlationKey: string): Promise<WaitRecord[]> {
    const { rows } = await this.#pool.query<WaitRow>({
      name: 'fs_find_waits',
      text: FIND_SQL,
      values: [eventName, correlationKey],
    });
    return rows.map(toWaitRecord);
  }

  async list(query: {
    eventName: string;
    limit: number;
    after?: { createdAt: number; executionId: string; stepKey: string };
  }): Promise<WaitRecord[]> {
    const { rows } = await this.#pool.query<WaitRow>(LIST_SQL, [
      query.eventName,
      query.after?.createdAt ?? Number.MIN_SAFE_INTEGER,
      query.after?.executionId ?? '',
      query.after?.stepKey ?? '',
      query.limit,
    ]);
    return rows.map(toWaitRecord);
  }

  async get(executionId: string, stepKey: string): Promise<WaitRecord | undefined> {
    const { rows } = await this.#pool.query<WaitRow>(GET_SQL, [executionId, stepKey]);
    return rows[0] === undefined ? undefined : toWaitRecord(rows[0]);
  }
}
