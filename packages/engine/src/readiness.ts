import { edgePort, type WorkflowEdge } from '@flowstate/core';
import type { StepRecord } from './store.js';

/** What an incoming edge has brought so far. */
export type EdgeState = 'pending' | 'delivered' | 'dead';

/** What to do with a node given its incoming edges. */
export type Readiness = 'wait' | 'ready' | 'skip';

/**
 * Dead-path elimination: a node is ready when every incoming edge is resolved and at least
 * one delivered a value; when all are dead it is skipped (and its own edges die).
 */
export function readiness(edges: readonly EdgeState[]): Readiness {
  let delivered = false;
  for (const state of edges) {
    if (state === 'pending') return 'wait';
    if (state === 'delivered') delivered = true;
  }
  return delivered ? 'ready' : 'skip';
}

/** The state of `edge` given the step of its source node (undefined: not created yet). */
export function edgeState(edge: WorkflowEdge, source: StepRecord | undefined): EdgeState {
  if (!source) return 'pending';
  switch (source.status) {
    case 'succeeded':
      return source.port === edgePort(edge) ? 'delivered' : 'dead';
    case 'skipped':
    case 'failed':
    case 'cancelled':
      return 'dead';
    case 'ready':
    case 'running':
    case 'waiting':
      return 'pending';
  }
}
