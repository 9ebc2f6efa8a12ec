import type { RetentionCutoffs, RetentionStore } from './retention-store.js';
import type { WorkflowStore } from './workflow-store.js';

const DAY_MS = 86_400_000;

/**
 * How long finished executions are kept, in days. Cancelled executions follow `days`. `0`
 * keeps them forever.
 */
export interface RetentionPolicy {
  /** Succeeded and cancelled executions. */
  days: number;
  /** Failed executions: usually longer, they are the ones someone investigates. */
  failedDays: number;
}

/** Defaults when neither the environment nor stored settings say otherwise. */
export const DEFAULT_RETENTION: RetentionPolicy = { days: 30, failedDays: 90 };

/** Rows deleted per transaction: short enough that the engine's commits are never held up long. */
export const DEFAULT_PRUNE_BATCH = 500;

/** Options of `pruneExecutions`. */
export interface PruneOptions {
  store: RetentionStore & Pick<WorkflowStore, 'listWorkflows' | 'getWorkflowVersion'>;
  policy: RetentionPolicy;
  now: number;
  batchSize?: number;
  /** Stops early (between batches) when it returns true: shutdown. */
  shouldStop?: () => boolean;
}

/** What one prune did. */
export interface PruneResult {
  deleted: number;
  batches: number;
}

/** The cutoffs of a policy at `now`; a 0-day retention never cuts. */
export function retentionCutoffs(policy: RetentionPolicy, now: number): RetentionCutoffs {
  const cutoff = (days: number) => (days <= 0 ? Number.MIN_SAFE_INTEGER : now - days * DAY_MS);
  return {
    succeeded: cutoff(policy.days),
    cancelled: cutoff(policy.days),
    failed: cutoff(policy.failedDays),
  };
}

/**
 * Deletes finished executions past their retention in batches of `batchSize` (one transaction
 * each), yielding to the event loop between batches, then reclaims the freed space. A workflow
 * whose published version sets `settings.retention` uses its own days for its executions.
 */
export async function pruneExecutions(options: PruneOptions): Promise<PruneResult> {
  const { store, now } = options;
  const limit = options.batchSize ?? DEFAULT_PRUNE_BATCH;
  const overrides = await workflowOverrides(options);
  const result: PruneResult = { deleted: 0, batches: 0 };
  const passes: Array<{ cutoffs: RetentionCutoffs; workflowId?: string; exclude?: string[] }> = [
    { cutoffs: retentionCutoffs(options.policy, now), exclude: [...overrides.keys()] },
    ...[...overrides].map(([workflowId, policy]) => ({
      cutoffs: retentionCutoffs(policy, now),
      workflowId,
    })),
  ];
  for (const pass of passes) {
    for (;;) {
      if (options.shouldStop?.() === true) break;
      const deleted = await store.deleteFinishedExecutions({
        cutoffs: pass.cutoffs,
        limit,
        ...(pass.workflowId === undefined ? {} : { workflowId: pass.workflowId }),
        ...(pass.exclude === undefined ? {} : { excludeWorkflowIds: pass.exclude }),
      });
      result.batches += 1;
      result.deleted += deleted;
      if (deleted < limit) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (result.deleted > 0) await store.reclaimSpace();
  return result;
}

async function workflowOverrides(options: PruneOptions): Promise<Map<string, RetentionPolicy>> {
  const overrides = new Map<string, RetentionPolicy>();
  for (const workflow of await options.store.listWorkflows()) {
    const version = workflow.publishedVersion ?? workflow.draftVersion;
    const stored = await options.store.getWorkflowVersion(workflow.id, version);
    const own = stored?.definition.settings?.retention;
    if (own?.days === undefined && own?.failedDays === undefined) continue;
    overrides.set(workflow.id, {
      days: own.days ?? options.policy.days,
      failedDays: own.failedDays ?? options.policy.failedDays,
    });
  }
  return overrides;
}
