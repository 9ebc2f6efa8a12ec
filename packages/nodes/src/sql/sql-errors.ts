import { FlowstateError, NonRetriableError } from '@flowstate/core';

/** SQLSTATE classes that retrying cannot fix: bad SQL, bad data, constraints, privileges. */
const USER_CLASSES = new Set([
  '0A',
  '21',
  '22',
  '23',
  '25',
  '28',
  '2B',
  '3D',
  '3F',
  '42',
  '44',
  'HY',
]);
/** SQLSTATEs that look like connection trouble but are the statement's fault. */
const USER_STATES = new Set(['08P01']);

/** The statement asked to write while the simulation ran it read-only. */
export class ReadOnlyRefusal extends Error {
  override name = 'ReadOnlyRefusal';
}

/** SQLSTATEs and driver codes meaning "a write in a read-only transaction". */
export function isReadOnlyRefusal(error: unknown): boolean {
  const e = error as { code?: unknown; sqlState?: unknown; errno?: unknown };
  return (
    e.code === '25006' || e.errno === 1792 || e.code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION'
  );
}

/** Where in the statement the database says the problem is (1-based character offset). */
function positionText(sql: string, position: number): string {
  const before = sql.slice(0, position - 1);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n') - 1;
  return ` at position ${position} (line ${line}, column ${column})`;
}

/**
 * Classifies a driver error: SQL errors (syntax, unknown table, constraint violations, bad
 * data, privileges) become a {@link NonRetriableError} with the database's message, SQLSTATE
 * and position; connection failures, deadlocks and serialization failures stay retriable.
 */
export function classifySqlError(error: unknown, sql: string, dialect: string): FlowstateError {
  if (error instanceof FlowstateError) return error;
  const e = error as {
    code?: unknown;
    sqlState?: unknown;
    position?: unknown;
    message?: unknown;
    errno?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const driverCode = typeof e.code === 'string' ? e.code : undefined;
  if (dialect === 'sqlite') {
    const retriable = driverCode === 'SQLITE_BUSY' || driverCode === 'SQLITE_LOCKED';
    const userError =
      !retriable &&
      (driverCode?.startsWith('SQLITE_') ||
        error instanceof RangeError ||
        error instanceof TypeError);
    return build(userError, `SQLite: ${message}${driverCode ? ` (${driverCode})` : ''}`, error);
  }
  const state =
    dialect === 'postgres' ? driverCode : typeof e.sqlState === 'string' ? e.sqlState : undefined;
  if (state === undefined || !/^[0-9A-Z]{5}$/.test(state))
    return new FlowstateError(
      'SQL_CONNECTION_ERROR',
      `${dialect}: ${message}${driverCode ? ` (${driverCode})` : ''}`,
      {
        cause: error,
      },
    );
  const userError = USER_CLASSES.has(state.slice(0, 2)) || USER_STATES.has(state);
  const position =
    typeof e.position === 'string' && /^\d+$/.test(e.position)
      ? positionText(sql, Number(e.position))
      : '';
  return build(userError, `${dialect}: ${message}${position} (SQLSTATE ${state})`, error);
}

function build(userError: boolean, message: string, cause: unknown): FlowstateError {
  return userError
    ? new NonRetriableError(message, { code: 'SQL_ERROR', cause })
    : new FlowstateError('SQL_ERROR', message, { cause });
}

/** The statement ran past its timeout or the attempt was cancelled; the database was told to stop. */
export function sqlTimeout(
  dialect: string,
  timeoutMs: number,
  cancelled: boolean,
  cause: unknown,
): FlowstateError {
  return cancelled
    ? new FlowstateError('ABORTED', `${dialect} statement was cancelled`, { cause })
    : new FlowstateError('SQL_TIMEOUT', `${dialect} statement timed out after ${timeoutMs} ms`, {
        cause,
      });
}
