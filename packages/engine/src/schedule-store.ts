/**
 * Storage of cron schedules: one row per schedule trigger of an active workflow. The rows
 * are shared by every server process; a scheduler claims due rows with a lease and fires a
 * tick by committing the new execution together with the row's next run (see
 * `ExecutionChange.scheduleTick`), so each tick fires exactly once.
 */
export interface ScheduleStore {
  /**
   * Makes the stored schedules of `workflowId` exactly `schedules`, all pinned to `version`
   * (an empty list removes them: deactivation). A row whose trigger node is no longer listed
   * is deleted. A row whose cron, timezone, catch-up policy or version changed is rewritten
   * and its lease dropped, so a tick claimed before the change can no longer fire; its next
   * run becomes the given `nextRunAt` when the cron or timezone changed, and is kept
   * otherwise. Unchanged rows keep everything. Returns the rows after the change.
   */
  syncSchedules(input: {
    workflowId: string;
    version: number;
    schedules: readonly ScheduleSpec[];
    now: number;
  }): Promise<ScheduleRecord[]>;
  /** Schedules, by next run; of one workflow when `workflowId` is given. */
  listSchedules(query?: { workflowId?: string }): Promise<ScheduleRecord[]>;
  /**
   * Leases up to `limit` schedules whose next run has come (`nextRunAt <= now`) and whose
   * lease is free or expired, to `owner` until `now + leaseMs`; returns them after the claim.
   */
  claimDueSchedules(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<ScheduleRecord[]>;
  /**
   * Moves a claimed schedule to `nextRunAt` without firing (skipped ticks) and drops the
   * lease unless `release` is false. Applies only while the fence holds (see
   * `ScheduleFence`); false otherwise.
   */
  advanceSchedule(
    input: ScheduleFence & { nextRunAt: number; now: number; release?: boolean },
  ): Promise<boolean>;
  /** Drops every schedule lease held by `owner` (graceful shutdown). */
  releaseScheduleLeases(owner: string): Promise<void>;
  /** Earliest time a schedule can be claimed (next run, or lease expiry when leased). */
  nextScheduleDueAt(): Promise<number | undefined>;
}

/** What to do with ticks missed while no scheduler ran (downtime). */
export type CatchUpPolicy = 'skip' | 'once' | 'all';

export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['skip', 'once', 'all'];

/** One schedule trigger as a workflow version declares it. */
export interface ScheduleSpec {
  triggerNodeId: string;
  /** Cron expression, 5 fields (minute precision) or 6 (seconds first). */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  catchUp: CatchUpPolicy;
  /** With `catchUp: 'all'`: at most this many missed ticks are fired, the latest ones. */
  catchUpLimit: number;
  /** First run, used when the row is new or its cron or timezone changed. */
  nextRunAt: number;
}

/** A stored schedule. */
export interface ScheduleRecord extends ScheduleSpec {
  /** `<workflowId>/<triggerNodeId>`. */
  id: string;
  workflowId: string;
  /** The workflow version ticks start. */
  version: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * The state a scheduler saw when it claimed a schedule. A write naming it applies only if the
 * row still has exactly this lease owner, version and next run: an edit, a deactivation or
 * another scheduler taking over makes it refuse.
 */
export interface ScheduleFence {
  scheduleId: string;
  owner: string;
  expectVersion: number;
  expectNextRunAt: number;
}

/**
 * A tick fired with the first commit of its execution: the schedule is fenced, then moved to
 * `nextRunAt` (and its lease dropped with `release`) in the same transaction. Besides the
 * fence, the workflow must still be active with the schedule's version as the version its
 * triggers run, so a tick never fires after a deactivation or an edit was committed, even
 * before the schedules were synced with it.
 */
export interface ScheduleTick extends ScheduleFence {
  nextRunAt: number;
  release: boolean;
}

/** The id of the schedule of a trigger node. */
export function scheduleId(workflowId: string, triggerNodeId: string): string {
  return `${workflowId}/${triggerNodeId}`;
}
