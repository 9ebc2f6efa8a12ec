import { CANCELLED_BY_FAILURE } from './progress.js';

/*
 * SQL that the SQLite and PostgreSQL stores share word for word (both write the same columns
 * the same way), so the two cannot drift apart.
 */

/**
 * An unfinished child execution: word for word the condition of the partial index
 * `executions_open_children`, so that a query with it can use the index.
 */
export const OPEN_CHILD_SQL = `parent_execution_id IS NOT NULL AND status IN ('running','paused')`;
/**
 * Whether the step of `executions` (the outer query's row) that called it was cancelled
 * without asking its child to continue: by a cancel of the caller (which cancels every child),
 * or by the caller's failure unless the call had `onParentFailure: 'continue'` (the step's
 * state then says `keepOnFailure`). Error and state columns hold JSON as `JSON.stringify`
 * writes it.
 */
export const CALLER_ENDED_SQL = `SELECT 1 FROM steps p JOIN executions pe ON pe.id = p.execution_id
  WHERE p.execution_id = executions.parent_execution_id AND p.key = executions.parent_step_key
    AND p.status = 'cancelled'
    AND (pe.status = 'cancelled' OR (p.error LIKE '%"code":"${CANCELLED_BY_FAILURE.code}"%'
      AND coalesce(p.state, '') NOT LIKE '%"keepOnFailure":true%'))`;
/**
 * An unfinished execution with a deadline: word for word the condition of the partial index
 * `executions_deadline`, so that the sweeper's look for overdue executions can use it.
 */
export const DEADLINE_SQL = `deadline_at IS NOT NULL AND status IN ('running','paused')`;
