import type { ExecutionRecord } from './store.js';

/** How a started execution ends, as seen by whoever started it. */
export type ExecutionOutcome =
  | { kind: 'response'; response: NonNullable<ExecutionRecord['response']> }
  | { kind: 'finished'; execution: ExecutionRecord };

/**
 * Who waits for which execution's outcome (a webhook response or the end), told after the
 * commit that makes it durable. Waiters are registered only on demand and removed on timeout,
 * so executions nobody waits for cost nothing here.
 */
export class OutcomeWaiters {
  private readonly waiters = new Map<string, Array<(outcome: ExecutionOutcome) => void>>();

  /** Resolves with the outcome when `notify` is called for the execution. */
  wait(executionId: string): Promise<ExecutionOutcome> {
    return new Promise((resolve) => this.add(executionId, resolve));
  }

  /** Like `wait`, but resolves `undefined` (and forgets the waiter) after `timeoutMs`. */
  waitAtMost(executionId: string, timeoutMs: number): Promise<ExecutionOutcome | undefined> {
    return new Promise((resolve) => {
      const waiter = (outcome: ExecutionOutcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        const list = this.waiters.get(executionId) ?? [];
        const index = list.indexOf(waiter);
        if (index >= 0) list.splice(index, 1);
        if (list.length === 0) this.waiters.delete(executionId);
        resolve(undefined);
      }, timeoutMs);
      this.add(executionId, waiter);
    });
  }

  notify(executionId: string, outcome: ExecutionOutcome): void {
    const list = this.waiters.get(executionId);
    if (!list) return;
    this.waiters.delete(executionId);
    for (const resolve of list) resolve(outcome);
  }

  private add(executionId: string, waiter: (outcome: ExecutionOutcome) => void): void {
    const list = this.waiters.get(executionId);
    if (list) list.push(waiter);
    else this.waiters.set(executionId, [waiter]);
  }
}

/** The outcome an execution already has: its end, or a response already announced. */
export function settledOutcome(
  execution: ExecutionRecord,
  responseAnnounced: boolean,
): ExecutionOutcome | undefined {
  if (isFinal(execution)) {
    return execution.response
      ? { kind: 'response', response: execution.response }
      : { kind: 'finished', execution: { ...execution } };
  }
  if (execution.response && responseAnnounced) {
    return { kind: 'response', response: execution.response };
  }
  return undefined;
}

/** Whether an execution has ended. */
export function isFinal(execution: ExecutionRecord): boolean {
  return (
    execution.status === 'succeeded' ||
    execution.status === 'failed' ||
    execution.status === 'cancelled'
  );
}
