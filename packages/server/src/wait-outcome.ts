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

/**
 * Resolves with the execution once it is final (succeeded, failed or cancelled), or with its
 * latest record after `timeoutMs`. Subscribes before reading, so no transition is missed.
 */
export async function waitForFinish(
  engine: FinishSource,
  executionId: string,
  timeoutMs: number,
): Promise<ExecutionRecord | undefined> {
  let unsubscribe: () => void = () => undefined;
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
  try {
    const current = await engine.store.getExecution(executionId);
    if (current && isFinal(current)) return current;
    const result = await withTimeout(finished, timeoutMs);
    return result === TIMED_OUT ? await engine.store.getExecution(executionId) : result;
  } finally {
    unsubscribe();
  }
}

function isFinal(execution: ExecutionRecord): boolean {
  return FINAL_EXECUTION_STATUSES.includes(execution.status);
}
