import type { Database, Statement } from 'better-sqlite3';
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
  type WaitRecord,
} from '@flowstate/engine';
import { ACTIVE_STEP_SQL, FINAL_EXECUTION_SQL } from './migrations.js';
import type { PayloadCodec } from './payload-codec.js';
import {
  EXECUTION_COLUMNS,
  STEP_COLUMNS,
  toExecutionRecord,
  toStepRecord,
  toWaitRecord,
  type ExecutionRow,
  type StepRow,
  type WaitRow,
} from './rows.js';

type ListParams = Record<string, string | number>;

/** Read side of the journal: executions, steps, waits and the sweeper's queries. */
export class ExecutionQueries {
  readonly #db: Database;
  readonly #codec: PayloadCodec;
  readonly #getExecution: Statement<[string], ExecutionRow>;
  readonly #steps: Statement<[string], StepRow>;
  readonly #children: Statement<[string], ExecutionRow>;
  readonly #waits: Statement<[string, string], WaitRow>;
  readonly #orphans: Statement<[number], ExecutionRow>;
  readonly #unfinished: Statement<[number], ExecutionRow>;
  readonly #abandoned: Statement<[number], ExecutionRow>;
  readonly #overdue: Statement<[number, number], ExecutionRow>;
  readonly #countAll: Statement<[], { status: string; n: number }>;
  readonly #countOne: Statement<[string], { status: string; n: number }>;
  readonly #countActive: Statement<[], { status: ActiveStepStatus; n: number }>;
  readonly #compactSteps: Statement<[string], string | null>;
  readonly #compactSummaries: Statement<[], string>;
  readonly #compactSummary: Statement<[string], string | null>;
  /** One prepared statement per combination of list filters. */
  readonly #lists = new Map<string, Statement<[ListParams], ExecutionRow>>();

  constructor(db: Database, codec: PayloadCodec) {
    this.#db = db;
    this.#codec = codec;
    this.#getExecution = db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions WHERE id = ?`);
    this.#steps = db.prepare(
      `SELECT ${STEP_COLUMNS} FROM steps WHERE execution_id = ? ORDER BY rowid`,
    );
    this.#children = db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions
      WHERE parent_execution_id = ? ORDER BY created_at, id`);
    this.#waits = db.prepare(`SELECT * FROM waits WHERE event_name = ? AND correlation_key = ?
      ORDER BY created_at, execution_id, step_key`);
    const prefixed = EXECUTION_COLUMNS.split(',')
      .map((c) => `c.${c.trim()}`)
      .join(', ');
    this.#orphans = db.prepare(`SELECT ${prefixed} FROM steps p
      CROSS JOIN executions c ON c.parent_execution_id = p.execution_id AND c.parent_step_key = p.key
      WHERE p.status = 'waiting' AND c.status IN ${FINAL_EXECUTION_SQL}
      ORDER BY c.finished_at, c.id LIMIT ?`);
    this.#abandoned = db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions
      WHERE ${OPEN_CHILD_SQL} AND EXISTS (${CALLER_ENDED_SQL})
      ORDER BY created_at, id LIMIT ?`);
    this.#overdue = db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions
      WHERE ${DEADLINE_SQL} AND deadline_at <= ? ORDER BY deadline_at, id LIMIT ?`);
    this.#unfinished = db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e
      WHERE e.status = 'running' AND NOT EXISTS (SELECT 1 FROM steps s
        WHERE s.execution_id = e.id AND s.status IN ${ACTIVE_STEP_SQL})
      ORDER BY e.created_at, e.id LIMIT ?`);
    this.#compactSteps = db
      .prepare<[string], string | null>('SELECT steps_json FROM executions WHERE id = ?')
      .pluck();
    this.#compactSummaries = db
      .prepare<[], string>('SELECT steps_summary FROM executions WHERE steps_summary IS NOT NULL')
      .pluck();
    this.#compactSummary = db
      .prepare<[string], string | null>('SELECT steps_summary FROM executions WHERE id = ?')
      .pluck();
    this.#countAll = db.prepare('SELECT status, count(*) AS n FROM steps GROUP BY status');
    this.#countOne = db.prepare(
      'SELECT status, count(*) AS n FROM steps WHERE execution_id = ? GROUP BY status',
    );
    this.#countActive = db.prepare(`SELECT status, count(*) AS n FROM steps
      WHERE status IN ${ACTIVE_STEP_SQL} GROUP BY status`);
  }

  get(id: string): ExecutionRecord | undefined {
    const row = this.#getExecution.get(id);
    return row === undefined ? undefined : toExecutionRecord(row, this.#codec);
  }

  /** The execution and its steps, read in one snapshot. */
  load(id: string): LoadedExecution | undefined {
    return this.#db
      .transaction(() => {
        const execution = this.get(id);
        if (execution === undefined) return undefined;
        const compact = this.#compactSteps.get(id);
        const steps =
          compact === null || compact === undefined
            ? this.#steps.all(id).map((row) => toStepRecord(row, this.#codec))
            : decodeCompactJournal(id, execution.input, this.#codec.decode(compact));
        return { execution, steps };
      })
      .deferred();
  }

  /** Newest first, keyset-paginated on (createdAt, id). */
  list(query: ExecutionQuery): ExecutionRecord[] {
    const where: string[] = [];
    const params: ListParams = { limit: query.limit };
    if (query.workflowId !== undefined) {
      where.push('workflow_id = @workflowId');
      params['workflowId'] = query.workflowId;
    }
    if (query.status !== undefined) {
      where.push('status = @status');
      params['status'] = query.status;
    }
    if (query.parentExecutionId !== undefined) {
      where.push('parent_execution_id = @parentExecutionId');
      params['parentExecutionId'] = query.parentExecutionId;
    }
    if (query.triggerNodeId !== undefined) {
      where.push('trigger_node_id = @triggerNodeId');
      params['triggerNodeId'] = query.triggerNodeId;
    }
    if (query.triggerType !== undefined) {
      where.push('trigger_type = @triggerType');
      params['triggerType'] = query.triggerType;
    }
    if (query.createdFrom !== undefined) {
      where.push('created_at >= @createdFrom');
      params['createdFrom'] = query.createdFrom;
    }
    if (query.createdTo !== undefined) {
      where.push('created_at < @createdTo');
      params['createdTo'] = query.createdTo;
    }
    if (query.text !== undefined) {
      // Payload columns hold JSON text (or a blob reference, which is not searched).
      where.push("input NOT GLOB '@blob:*' AND instr(lower(input), @text) > 0");
      params['text'] = query.text.toLowerCase();
    }
    if (query.before !== undefined) {
      where.push('(created_at, id) < (@beforeCreatedAt, @beforeId)');
      params['beforeCreatedAt'] = query.before.createdAt;
      params['beforeId'] = query.before.id;
    }
    const sql = `SELECT ${EXECUTION_COLUMNS} FROM executions
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT @limit`;
    let statement = this.#lists.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<[ListParams], ExecutionRow>(sql);
      this.#lists.set(sql, statement);
    }
    return statement.all(params).map((row) => toExecutionRecord(row, this.#codec));
  }

  children(parentId: string): ExecutionRecord[] {
    return this.#children.all(parentId).map((row) => toExecutionRecord(row, this.#codec));
  }

  findWaits(eventName: string, correlationKey: string): WaitRecord[] {
    return this.#waits.all(eventName, correlationKey).map(toWaitRecord);
  }

  findStuck(limit: number, now: number): StuckExecutions {
    const records = (rows: ExecutionRow[]) =>
      rows.map((row) => toExecutionRecord(row, this.#codec));
    return {
      orphanedChildren: records(this.#orphans.all(limit)),
      unfinished: records(this.#unfinished.all(limit)),
      abandonedChildren: records(this.#abandoned.all(limit)),
      overdue: records(this.#overdue.all(now, limit)),
    };
  }

  countSteps(executionId?: string): Record<StepStatus, number> {
    const counts = Object.fromEntries(STEP_STATUSES.map((s) => [s, 0])) as Record<
      StepStatus,
      number
    >;
    const rows = executionId === undefined ? this.#countAll.all() : this.#countOne.all(executionId);
    for (const row of rows) counts[row.status as StepStatus] = row.n;
    const summaries =
      executionId === undefined
        ? this.#compactSummaries.all()
        : [this.#compactSummary.get(executionId)].filter((text) => typeof text === 'string');
    for (const text of summaries) {
      for (const [status, n] of Object.entries(JSON.parse(text) as Record<string, number>)) {
        counts[status as StepStatus] += n;
      }
    }
    return counts;
  }

  /** Ready, running and waiting steps, from the partial index of active steps. */
  countActiveSteps(): Record<ActiveStepStatus, number> {
    const counts: Record<ActiveStepStatus, number> = { ready: 0, running: 0, waiting: 0 };
    for (const row of this.#countActive.all()) counts[row.status] = row.n;
    return counts;
  }
}
