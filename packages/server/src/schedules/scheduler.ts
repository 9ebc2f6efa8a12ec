import { randomUUID } from 'node:crypto';
import { FlowstateError, type JsonValue } from '@flowstate/core';
import type {
  Clock,
  Engine,
  EngineLogger,
  ScheduleRecord,
  ScheduleTick,
  Store,
} from '@flowstate/engine';
import { parseCron } from '@flowstate/nodes';
import { planTicks } from './tick-plan.js';

/** Options of `Scheduler`. */
export interface SchedulerOptions {
  engine: Engine;
  store: Store;
  /** Defaults to the engine's clock. */
  clock?: Clock;
  /** Lease owner name; unique per scheduler. */
  owner?: string;
  /** How long a claimed schedule is leased (default 30 s). */
  leaseMs?: number;
  /** A tick at most this old is on time; older ones follow the catch-up policy (default 60 s). */
  misfireGraceMs?: number;
  /**
   * Longest sleep between looks at the store (default 10 s), so schedules another process
   * created or changed are seen without a notification.
   */
  maxSleepMs?: number;
  logger?: EngineLogger;
  /**
   * Called when a tick was refused because its schedule or workflow changed since the claim,
   * to bring the workflow's schedules in step (they may lag after a crash).
   */
  onStale?: (workflowId: string) => Promise<void>;
}

const CLAIM_BATCH = 50;
/** When a stored schedule cannot be read (a bug or a hand-edited row), look again this late. */
const BROKEN_SCHEDULE_RETRY_MS = 3_600_000;

const noopLogger: EngineLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Fires cron schedules. One timer is armed for the earliest next run in the store (capped at
 * `maxSleepMs`) and re-armed by `kick()` whenever schedules change. Due schedules are claimed
 * with a lease; each tick starts its execution in the same commit that moves the schedule to
 * its next run, fenced on the lease, so every tick fires exactly once however many
 * schedulers share the store, and never after the schedule was edited or deactivated.
 */
export class Scheduler {
  readonly owner: string;
  private readonly engine: Engine;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly graceMs: number;
  private readonly maxSleepMs: number;
  private readonly logger: EngineLogger;
  private readonly onStale: SchedulerOptions['onStale'];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  private current: Promise<void> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    this.engine = options.engine;
    this.store = options.store;
    this.clock = options.clock ?? options.engine.clock;
    this.owner = options.owner ?? `scheduler-${randomUUID()}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.graceMs = options.misfireGraceMs ?? 60_000;
    this.maxSleepMs = options.maxSleepMs ?? 10_000;
    this.logger = options.logger ?? noopLogger;
    this.onStale = options.onStale;
  }

  /** Starts firing due schedules. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops: no new claims; the tick being fired finishes; leases are released. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
    await this.store.releaseScheduleLeases(this.owner);
  }

  /** Looks at the store now (schedules changed) and re-arms the timer. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.current = this.runDue().then(() => undefined);
  }

  /**
   * Claims and fires every due schedule, then arms the timer for the next one. Resolves with
   * the number of executions started. Calls made while one runs are folded into it.
   */
  async runDue(): Promise<number> {
    if (this.running) {
      this.again = true;
      return 0;
    }
    this.running = true;
    let started = 0;
    try {
      do {
        this.again = false;
        for (;;) {
          const claimed = await this.store.claimDueSchedules({
            owner: this.owner,
            now: this.clock.now(),
            leaseMs: this.leaseMs,
            limit: CLAIM_BATCH,
          });
          for (const schedule of claimed) started += await this.fire(schedule);
          if (claimed.length < CLAIM_BATCH || this.stopped) break;
        }
      } while (this.again && !this.stopped);
      await this.arm();
    } catch (error) {
      this.logger.error({ err: error }, 'firing schedules failed');
      this.armIn(this.maxSleepMs);
    } finally {
      this.running = false;
    }
    return started;
  }

  /** Fires the due ticks of one claimed schedule; returns the executions started. */
  private async fire(schedule: ScheduleRecord): Promise<number> {
    const now = this.clock.now();
    const fence = {
      scheduleId: schedule.id,
      owner: this.owner,
      expectVersion: schedule.version,
      expectNextRunAt: schedule.nextRunAt,
    };
    let plan;
    try {
      plan = planTicks(schedule, parseCron(schedule.cron, schedule.timezone), now, this.graceMs);
    } catch (error) {
      this.logger.error({ err: error, scheduleId: schedule.id }, 'schedule cannot be read');
      await this.store.advanceSchedule({
        ...fence,
        nextRunAt: now + BROKEN_SCHEDULE_RETRY_MS,
        now,
      });
      return 0;
    }
    const next = plan.next ?? Number.MAX_SAFE_INTEGER;
    if (plan.fire.length === 0) {
      await this.store.advanceSchedule({ ...fence, nextRunAt: next, now });
      return 0;
    }
    let started = 0;
    for (const [index, tick] of plan.fire.entries()) {
      const last = index === plan.fire.length - 1;
      const nextRunAt = last ? next : plan.fire[index + 1]!;
      const result = await this.fireTick(schedule, tick, { ...fence, nextRunAt, release: last });
      if (result === 'stop') return started;
      if (result === 'started') started += 1;
      fence.expectNextRunAt = nextRunAt;
    }
    return started;
  }

  /** Starts the execution of one tick with the schedule's move to `nextRunAt`. */
  private async fireTick(
    schedule: ScheduleRecord,
    tick: number,
    move: ScheduleTick,
  ): Promise<'started' | 'skipped' | 'stop'> {
    const now = this.clock.now();
    try {
      const handle = await this.engine.startExecution({
        workflowId: schedule.workflowId,
        version: schedule.version,
        triggerNodeId: schedule.triggerNodeId,
        input: tickInput(schedule, tick, now, this.graceMs),
        dedupeKey: `schedule:${schedule.id}:${tick}`,
        scheduleTick: move,
      });
      if (handle.duplicate !== true) {
        this.logger.info(
          { scheduleId: schedule.id, executionId: handle.executionId, tick },
          'schedule fired',
        );
        return 'started';
      }
      // Fired already (by a scheduler that died before moving the schedule on).
    } catch (error) {
      if (error instanceof FlowstateError && error.code === 'SCHEDULE_CHANGED') {
        await this.onStale?.(schedule.workflowId).catch((cause: unknown) => {
          this.logger.error({ err: cause, workflowId: schedule.workflowId }, 'resync failed');
        });
        return 'stop';
      }
      this.logger.error(
        { err: error, scheduleId: schedule.id, tick },
        'starting a scheduled execution failed; the tick is skipped',
      );
    }
    const moved = await this.store.advanceSchedule({ ...move, now });
    return moved ? 'skipped' : 'stop';
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    const due = await this.store.nextScheduleDueAt();
    const delay = due === undefined ? this.maxSleepMs : due - this.clock.now();
    this.armIn(Math.min(Math.max(0, delay), this.maxSleepMs));
  }

  private armIn(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), delayMs);
    this.timer.unref();
  }
}

/** The trigger output of a scheduled execution. */
function tickInput(schedule: ScheduleRecord, tick: number, now: number, graceMs: number) {
  return {
    scheduledAt: new Date(tick).toISOString(),
    firedAt: new Date(now).toISOString(),
    cron: schedule.cron,
    timezone: schedule.timezone,
    late: now - tick > graceMs,
  } satisfies JsonValue;
}
