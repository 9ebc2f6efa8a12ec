import { useEffect, useState } from 'react';
import type { ExecutionRecord, StepRecord } from '../api/types';

/** Live state of one execution from `GET /api/v1/executions/:id/stream` (SSE). */
export interface LiveExecution {
  execution?: Partial<ExecutionRecord> & { id: string; status: ExecutionRecord['status'] };
  steps: Map<string, StepRecord>;
  /** Bumped on every event, so views re-render. */
  version: number;
}

/**
 * Follows an execution over Server-Sent Events: a snapshot, then each committed change.
 * `EventSource` reconnects by itself, sending `Last-Event-ID`; a reset brings a new snapshot.
 */
export function useLiveExecution(executionId: string | undefined): LiveExecution {
  const [state, setState] = useState<LiveExecution>({ steps: new Map(), version: 0 });
  useEffect(() => {
    setState({ steps: new Map(), version: 0 });
    if (!executionId) return;
    const source = new EventSource(`/api/v1/executions/${encodeURIComponent(executionId)}/stream`);
    const onSnapshot = (event: MessageEvent<string>) => {
      const data = JSON.parse(event.data) as {
        execution: LiveExecution['execution'];
        steps: StepRecord[];
      };
      setState((s) => ({
        execution: data.execution,
        steps: new Map(data.steps.map((step) => [step.key, step])),
        version: s.version + 1,
      }));
    };
    const onExecution = (event: MessageEvent<string>) => {
      const execution = JSON.parse(event.data) as LiveExecution['execution'];
      setState((s) => ({ ...s, execution, version: s.version + 1 }));
    };
    const onStep = (event: MessageEvent<string>) => {
      const step = JSON.parse(event.data) as StepRecord;
      setState((s) => {
        const steps = new Map(s.steps);
        steps.set(step.key, { ...steps.get(step.key), ...step });
        return { ...s, steps, version: s.version + 1 };
      });
    };
    source.addEventListener('snapshot', onSnapshot);
    source.addEventListener('execution', onExecution);
    source.addEventListener('step', onStep);
    return () => source.close();
  }, [executionId]);
  return state;
}

/** Per node: the status to draw (the "worst" across loop iterations) and the number of steps. */
export function overlayOf(steps: Iterable<StepRecord>) {
  const rank: Record<string, number> = {
    failed: 6,
    running: 5,
    waiting: 4,
    ready: 3,
    succeeded: 2,
    cancelled: 1,
    skipped: 0,
  };
  const status = new Map<string, StepRecord['status']>();
  const counts = new Map<string, number>();
  for (const step of steps) {
    counts.set(step.nodeId, (counts.get(step.nodeId) ?? 0) + 1);
    const current = status.get(step.nodeId);
    if (current === undefined || (rank[step.status] ?? 0) > (rank[current] ?? 0))
      status.set(step.nodeId, step.status);
  }
  return { status, counts };
}
