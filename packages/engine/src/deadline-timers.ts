import { isFinal } from './outcomes.js';
import type { ExecutionRecord } from './store.js';

/**
 * An execution deadline (`settings.timeoutMs`) closer than this is timed in memory by the
 * process that starts or retries the execution; later ones (and any after a restart) are found
 * by the sweeper within its interval: a million long deadlines hold no timers.
 */
const IN_MEMORY_DEADLINE_MS = 60_000;

/** Timers of the near deadlines of executions this process started or retried. */
export class DeadlineTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly now: () => number,
    private readonly onDue: (executionId: string) => void,
  ) {}

  /** Arms a timer for `execution`'s deadline when it is near (see `IN_MEMORY_DEADLINE_MS`). */
  watch(execution: ExecutionRecord): void {
    const at = execution.deadlineAt;
    if (at === undefined || isFinal(execution) || this.#timers.has(execution.id)) return;
    const delay = at - this.now();
    if (delay > IN_MEMORY_DEADLINE_MS) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(execution.id);
        this.onDue(execution.id);
      },
      Math.max(0, delay),
    );
    timer.unref();
    this.#timers.set(execution.id, timer);
  }

  /** Drops the timer of an execution that ended. */
  forget(executionId: string): void {
    const timer = this.#timers.get(executionId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(executionId);
  }

  /** Drops every timer (the engine stops). */
  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
