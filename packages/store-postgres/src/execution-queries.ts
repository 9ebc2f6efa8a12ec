import type pg from 'pg';
import {
  decodeCompactJournal,
  STEP_STATUSES,
  type ActiveStepStatus,
  type ExecutionQuery,
  type ExecutionRecord,
  type LoadedExecution,
  type StepStatus,
  type StuckExecutions,
  CALLER_ENDED_SQL,
  DEADLINE_SQL,
  OPEN_CHILD_SQL,
} from '@flowstate/engine';
import { ACTIVE_STEP_SQL, FINAL_EXECUTION_SQL } from './migrations.js';
import {
  executionColumns,
  stepColumns,
  toExecutionRecord,
  toStepRecord,
  type ExecutionRow,
  type StepRow,
} from './rows.js';

const GET_SQL = `SELECT ${executionColumns('e')} FROM executions e WHERE e.id = $1`;

/** The execution and its steps in one statement, hence one snapshot. */
const LOAD_SQL = `SELECT ${executionColumns('e')}, e.steps_json,
  (SELECT coalesce(json_agg(t ORDER BY t.position), '[]'::json)
    FROM (SELECT s.position, ${stepColumns('s')} FROM steps s WHERE s.execution_id = e.id) t
  ) AS steps
  FROM executions e WHERE e.id = $1`;

const CHILDREN_SQL = `SELECT ${executionColumns('e')} FROM executions e
  WHERE e.parent_execution_id = $1 ORDER BY e.created_at, e.id`;

const ORPHANS_SQL = `SELECT ${executionColumns('c')} FROM steps p
  JOIN executions c ON c.parent_execution_id = p.execution_id AND c.parent_step_key = p.key
  WHERE p.status = 'waiting' AND c.status IN ${FINAL_EXECUTION_SQL}
  ORDER BY c.finished_at, c.id LIMIT $1`;

/** Unfinished children whose calling step was cancelled (see `StuckExecutions`). */
const ABANDONED_SQL = `SELECT ${executionColumns('executions')} FROM executions
  WHERE ${OPEN_CHILD_SQL} AND EXISTS (${CALLER_ENDED_SQL})
  ORDER BY executions.created_at, executions.id LIMIT $1`;

/** Unfinished executions past their deadline (`$1`: now). */
const OVERDUE_SQL = `SELECT ${executionColumns('executions')} FROM executions
  WHERE ${DEADLINE_SQL} AND deadline_at <= $1
  ORDER BY deadline_at, id LIMIT $2`;

const UNFINISHED_SQL = `SELECT ${executionColumns('e')} FROM executions e
  WHERE e.status = 'running' AND NOT EXISTS (SELECT 1 FROM steps s
    WHERE s.execution_id = e.id AND s.status IN ${ACTIVE_STEP_SQL})
  ORDER BY e.created_at, e.id LIMIT $1`;

/**
 * Step rows by status, plus the steps of compact executions (their `steps_summary`), of one
 * execution (`$1`) or of all.
 */
function countStepsSql(oneExecution: boolean): string {
  return `SELECT status, sum(n)::bigint AS n FROM (
    SELECT status, count(*) AS n FROM steps
      ${oneExecution ? 'WHERE execution_id = $1' : ''} GROUP BY status
    UNION ALL
    SELECT c.key AS status, sum(c.value::bigint) AS n
      FROM executions e, json_each_text(e.steps_summary::json) AS c
      WHERE e.steps_summary IS NOT NULL ${oneExecution ? 'AND e.id = $1' : ''} GROUP BY c.key
  ) t GROUP BY status`;
}

const COUNT_ALL_SQL = countStepsSql(false);
const COUNT_ONE_SQL = countStepsSql(true);

/** Active steps by status: the partial index steps_active holds exactly these rows. */
const COUNT_ACTIVE_SQL = `SELECT status, count(*)::int AS n FROM steps
  WHERE status IN ${ACTIVE_STEP_SQL} GROUP BY status`;

/** Read side of the journal: executions, steps, waits and the sweeper's queries. */
export class ExecutionQueries {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const { rows } = await this.#pool.query<ExecutionRow>({
      name: 'fs_get_execution',
      text: GET_SQL,
      values: [id],
    });
    return rows[0] === undefined ? undefined : toExecutionRecord(rows[0]);
  }

  /** The execution and its steps, in the order they were first written. */
  async load(id: string): Promise<LoadedExecution | undefined> {
    const { rows } = await this.#pool.query<
      ExecutionRow & { steps: StepRow[]; steps_json: string | null }
    >({
      name: 'fs_load_execution',
      text: LOAD_SQL,
      values: [id],
    });
    const row = rows[0];
    if (row === undefined) return undefined;
    const execution = toExecutionRecord(row);
    // A compact execution (see migrations-compact.ts) has its steps in its row.
    const steps =
      row.steps_json === null
        ? row.steps.map(toStepRecord)
        : decodeCompactJournal(id, execution.input, JSON.parse(row.steps_json));
    return { execution, steps };
  }

  /** Newest first, keyset-paginated on (createdAt, id). */
  async list(query: ExecutionQuery): Promise<ExecutionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.workflowId !== undefined) where.push(`e.workflow_id = ${param(query.workflowId)}`);
    if (query.status !== undefined) where.push(`e.status = ${param(query.status)}`);
    if (query.parentExecutionId !== undefined) {
      where.push(`e.parent_execution_id = ${param(query.parentExecutionId)}`);
    }
    if (query.triggerNodeId !== undefined) {
      where.push(`e.trigger_node_id = ${param(query.triggerNodeId)}`);
    }
    if (query.triggerType !== undefined) where.push(`e.trigger_type = ${param(query.triggerType)}`);
    if (query.createdFrom !== undefined) {
      where.push(`e.created_at >= ${param(query.createdFrom)}::bigint`);
    }
    if (query.createdTo !== undefined)
      where.push(`e.created_at < ${param(query.createdTo)}::bigint`);
    if (query.text !== undefined) {
      // Payload columns hold JSON text (or a blob reference, which is not searched).
      where.push(
        `e.input NOT LIKE '@blob:%' AND strpos(lower(e.input), ${param(query.text.toLowerCase())}) > 0`,
      );
    }
    if (query.before !== undefined) {
      where.push(
        `(e.created_at, e.id) < (${param(query.before.createdAt)}::bigint, ${param(query.before.id)}::text)`,
      );
    }
    const sql = `SELECT ${executionColumns('e')} FROM executions e
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.created_at DESC, e.id DESC LIMIT ${param(query.limit)}`;
    const { rows } = await this.#pool.query<ExecutionRow>(sql, params);
    return rows.map(toExecutionRecord);
  }

  async children(parentId: string): Promise<ExecutionRecord[]> {
    const { rows } = await this.#pool.query<ExecutionRow>(CHILDREN_SQL, [parentId]);
    return rows.map(toExecutionRecord);
  }

  async findStuck(limit: number, now: number): Promise<StuckExecutions> {
    const [orphans, unfinished, abandoned, overdue] = await Promise.all([
      this.#pool.query<ExecutionRow>(ORPHANS_SQL, [limit]),
      this.#pool.query<ExecutionRow>(UNFINISHED_SQL, [limit]),
      this.#pool.query<ExecutionRow>(ABANDONED_SQL, [limit]),
      this.#pool.query<ExecutionRow>(OVERDUE_SQL, [now, limit]),
    ]);
    return {
      orphanedChildren: orphans.rows.map(toExecutionRecord),
      unfinished: unfinished.rows.map(toExecutionRecord),
      abandonedChildren: abandoned.rows.map(toExecutionRecord),
      overdue: overdue.rows.map(toExecutionRecord),
    };
  }

  async countSteps(executionId?: string): Promise<Record<StepStatus, number>> {
    const counts = Object.fromEntries(STEP_STATUSES.map((s) => [s, 0])) as Record<
      StepStatus,
      number
    >;
    const { rows } =
      executionId === undefined
        ? await this.#pool.query<{ status: string; n: number }>(COUNT_ALL_SQL)
        : await this.#pool.query<{ status: string; n: number }>(COUNT_ONE_SQL, [executionId]);
    for (const row of rows) counts[row.status as StepStatus] = row.n;
    return counts;
  }

  async countActiveSteps(): Promise<Record<ActiveStepStatus, number>> {
    const counts: Record<ActiveStepStatus, number> = { ready: 0, running: 0, waiting: 0 };
    const { rows } = await this.#pool.query<{ status: ActiveStepStatus; n: number }>({
      name: 'fs_count_active_steps',
      text: COUNT_ACTIVE_SQL,
    });
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }
}
