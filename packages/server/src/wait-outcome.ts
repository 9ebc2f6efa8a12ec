import {
  FINAL_EXECUTION_STATUSES,
  type EngineEvent,
  type ExecutionRecord,
} from '@flowstate/engine';

/** Marker resolved by `withTimeout` when the time ran out first. */
export const TIMED_OUT = Symbol('timed-out');

/**
 * Resolves with `promise`'s value, or `TIMED_OUT` after `ms`. A late rejection is swallowed
 * (the caller already answered), so it never becomes an unhandled rejection.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      resolve(TIMED_OUT);
    }, ms);
    promise.then(
      (value) => {
        if (settled) return;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The part of the engine `waitForFinish` needs. */
export interface FinishSource {
  subscribe(listener: (event: EngineEvent) => void): () => void;
  readonly store: { getExecution(id: string): Promise<ExecutionRecord | undefined> };
}

/** Longest pause between two reads of the execution while waiting for its end. */
const MAX_READ_INTERVAL_MS = 250;

/**
 * Resolves with the execution once it is final (succeeded, failed or cancelled), or with its
 * latest record after `timeoutMs`. Subscribes before reading, so no transition this process
 * commits is missed; the execution is also read from the store (10 ms, backing off to 250 ms),
 * since with PostgreSQL another process may be the one that finishes it.
 */
export async function waitForFinish(
  engine: FinishSource,
  executionId: string,
  timeoutMs: number,
): Promise<ExecutionRecord | undefined> {
  let unsubscribe: () => void = () => undefined;
  let done = false;
  const finished = new Promise<ExecutionRecord>((resolve) => {
    unsubscribe = engine.subscribe((event) => {
      if (
        event.type === 'execution' &&
        event.execution.id === executionId &&
        isFinal(event.execution)
      ) {
        resolve(event.execution);
      }
    });
  });
  const read = async (): Promise<ExecutionRecord> => {
    for (let interval = 10; !done; interval = Math.min(interval * 1.5, MAX_READ_INTERVAL_MS)) {
      await new Promise((resolve) => setTimeout(resolve, interval));
      // A failed read (database unreachable for now) is retried; the timeout decides.
      const current = done
        ? undefined
        : await engine.store.getExecution(executionId).catch(() => undefined);
      if (current && isFinal(current)) return current;
    }
    return new Promise<never>(() => undefined);
  };
  try {
    const current = await engine.store.getExecution(executionId);
    if (current && isFinal(current)) return current;
    const result = await withTimeout(Promise.race([finished, read()]), timeoutMs);
    return result === TIMED_OUT ? await engine.store.getExecution(executionId) : result;
  } finally {
    done = true;
    unsubscribe();
  }
}

function isFinal(execution: ExecutionRecord): boolean {
  return FINAL_EXECUTION_STATUSES.includes(execution.status);
}
