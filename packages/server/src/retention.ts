import {
  DEFAULT_RETENTION,
  pruneExecutions,
  type PruneResult,
  type RetentionPolicy,
  type Store,
} from '@flowstate/engine';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';

const DAY_MS = 86_400_000;
const NOTIFICATION_BATCH = 1_000;

/** Key of the stored retention settings. */
export const RETENTION_SETTING = 'retention';

/** Retention settings as stored and sent: whole days, 0 keeps forever. */
export const RetentionSettingsSchema = z
  .object({
    days: z.int().min(0).max(36_500).meta({ description: 'Succeeded and cancelled executions' }),
    failedDays: z.int().min(0).max(36_500).meta({ description: 'Failed executions' }),
  })
  .meta({ id: 'RetentionSettings' });

/** Options of `RetentionService`. */
export interface RetentionServiceOptions {
  store: Store;
  /** From the environment (`FLOWSTATE_RETENTION_DAYS`, `..._FAILED_DAYS`); stored settings win. */
  defaults?: RetentionPolicy;
  /** Prune this often (0: only when asked). */
  intervalMs?: number;
  now?: () => number;
  logger?: FastifyBaseLogger;
}

/**
 * Applies the retention policy: stored settings over environment defaults, a timer that prunes
 * now and then, and `pruneNow()` for the API. Never runs two prunes at once. In-app
 * notifications older than `days` go with the executions.
 */
export class RetentionService {
  readonly defaults: RetentionPolicy;
  private readonly store: Store;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneResult> | undefined;
  private stopped = false;

  constructor(private readonly options: RetentionServiceOptions) {
    this.store = options.store;
    this.defaults = options.defaults ?? DEFAULT_RETENTION;
    this.now = options.now ?? Date.now;
  }

  /** The policy in force and whether it comes from stored settings. */
  async policy(): Promise<{ policy: RetentionPolicy; stored: boolean }> {
    const parsed = RetentionSettingsSchema.safeParse(
      await this.store.getSetting(RETENTION_SETTING),
    );
    return parsed.success
      ? { policy: parsed.data, stored: true }
      : { policy: this.defaults, stored: false };
  }

  async setPolicy(policy: RetentionPolicy): Promise<void> {
    await this.store.putSetting({ key: RETENTION_SETTING, value: { ...policy }, now: this.now() });
  }

  /** Prunes now (or joins the prune already running). */
  pruneNow(): Promise<PruneResult> {
    this.running ??= this.policy()
      .then(async ({ policy }) => {
        const result = await pruneExecutions({
          store: this.store,
          policy,
          now: this.now(),
          shouldStop: () => this.stopped,
        });
        if (policy.days > 0) await this.pruneNotifications(this.now() - policy.days * DAY_MS);
        return result;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** In-app notifications are kept as long as succeeded executions, then deleted in batches. */
  private async pruneNotifications(before: number): Promise<void> {
    let deleted = NOTIFICATION_BATCH;
    while (deleted === NOTIFICATION_BATCH && !this.stopped) {
      deleted = await this.store.pruneNotifications({ before, limit: NOTIFICATION_BATCH });
    }
  }

  start(): void {
    const interval = this.options.intervalMs ?? 0;
    if (interval <= 0 || this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => {
      this.pruneNow().then(
        (result) => {
          if (result.deleted > 0) this.options.logger?.info(result, 'pruned old executions');
        },
        (error: unknown) => this.options.logger?.error({ err: error }, 'pruning failed'),
      );
    }, interval);
    this.timer.unref();
  }

  /** Stops the timer and ends a running prune after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
