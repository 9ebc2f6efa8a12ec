import type { NodeType, RetryPolicy, WorkflowNode } from '@flowstate/core';

/** Used when neither the node nor its type sets a field. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 1,
  backoff: 'exponential',
  delayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0.2,
};

/** The node's policy: its own fields, then its type's defaults, then the engine's. */
export function retryPolicy(node: WorkflowNode, nodeType: NodeType | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY, ...nodeType?.retryDefaults, ...node.retry };
}

/**
 * Delay before attempt `attempt + 1` after attempt `attempt` failed. `random` is in [0, 1)
 * and injected so tests are deterministic. A `retryAfterMs` from the remote wins when longer.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  random: number,
  retryAfterMs?: number,
): number {
  const base =
    policy.backoff === 'fixed' ? policy.delayMs : policy.delayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(base, policy.maxDelayMs);
  const jitter = policy.jitter === true ? 0.2 : policy.jitter === false ? 0 : policy.jitter;
  const delay = Math.round(capped * (1 - jitter + 2 * jitter * random));
  return Math.max(delay, retryAfterMs ?? 0);
}
