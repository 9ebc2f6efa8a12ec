import type { ExecutionRecord } from './store.js';

/** How a started execution ends, as seen by whoever started it. */
export type ExecutionOutcome =
  | { kind: 'response'; response: NonNullable<ExecutionRecord['response']> }
  | { kind: 'finished'; execution: ExecutionRecord };

/** Reading outcomes from the store, for executions other processes drive. */
export interface OutcomePolling {
  /** The longest pause between two reads of one execution. */
  maxIntervalMs: number;
  /** The pause before the first read (default 10 ms); longer when `recheck` is called. */
  firstIntervalMs?: number;
  /** The execution's outcome on disk, if it has one. */
  read(executionId: string): Promise<ExecutionOutcome | undefined>;
}

const FIRST_POLL_MS = 10;

/**
 * Who waits for which execution's outcome (a webhook response or the end), told after the
 * commit that makes it durable. Waiters are registered only on demand and removed on timeout,
 * so executions nobody waits for cost nothing here.
 *
 * With `polling` (a store shared by several processes), an execution that has waiters is also
 * read from the store, `firstIntervalMs` after the first waiter and then backing off to
 * `maxIntervalMs`, since the commit that settles it may be another process's. One read loop
 * per execution, whatever the number of waiters; it ends with the last waiter. `recheck`
 * (another process announced that it settled these executions) reads at once.
 */
export class OutcomeWaiters {
  private readonly waiters = new Map<string, Array<(outcome: ExecutionOutcome) => void>>();
  /** Executions being read in a loop, with what ends the loop's current pause early. */
  private readonly polled = new Map<string, () => void>();

  constructor(private readonly polling?: OutcomePolling) {}

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

  /** Reads now the executions among `executionIds` that have waiters (they settled elsewhere). */
  recheck(executionIds: readonly string[]): void {
    for (const executionId of executionIds) this.polled.get(executionId)?.();
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
    if (this.polling && !this.polled.has(executionId)) void this.poll(executionId, this.polling);
  }

  /** Reads the execution until it settles or nobody waits for it any more. */
  private async poll(executionId: string, polling: OutcomePolling): Promise<void> {
    let wakeEarly = () => {};
    this.polled.set(executionId, () => wakeEarly());
    try {
      let interval = Math.min(polling.firstIntervalMs ?? FIRST_POLL_MS, polling.maxIntervalMs);
      for (;;) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          wakeEarly = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeEarly = () => {};
        if (!this.waiters.has(executionId)) return;
        let outcome: ExecutionOutcome | undefined;
        try {
          outcome = await polling.read(executionId);
        } catch {
          outcome = undefined; // the store is unreachable for now: the waiters' timeouts decide
        }
        if (outcome) return this.notify(executionId, outcome);
        interval = Math.min(interval * 1.5, polling.maxIntervalMs);
      }
    } finally {
      this.polled.delete(executionId);
    }
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
