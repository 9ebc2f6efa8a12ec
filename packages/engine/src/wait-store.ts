import type { WaitRecord } from './store.js';

/**
 * Read access to open waits beyond event delivery: listing the waits of one kind (pending
 * approvals) and looking one up by its step.
 */
export interface WaitStore {
  /**
   * Open waits for `eventName` of executions that are `running` or `paused`, oldest first,
   * after `after` (a previous page's last wait) when given.
   */
  listWaits(query: {
    eventName: string;
    limit: number;
    after?: { createdAt: number; executionId: string; stepKey: string };
  }): Promise<WaitRecord[]>;
  /** The open wait of one step, if any. */
  getWait(ref: { executionId: string; stepKey: string }): Promise<WaitRecord | undefined>;
}
