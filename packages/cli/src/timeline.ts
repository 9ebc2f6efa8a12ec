import type { Workflow } from '@flowstate/core';
import type { ExecutionRecord, StepRecord } from '@flowstate/engine';

/** One row of the step timeline. */
export interface TimelineRow {
  step: string;
  nodeType: string;
  status: string;
  attempt: number;
  /** Milliseconds from the execution's creation to the step's start. */
  startOffsetMs?: number;
  durationMs?: number;
}

/** Steps in the order they started (never-started ones last), with their node types. */
export function timelineRows(
  execution: ExecutionRecord,
  steps: readonly StepRecord[],
  workflow: Workflow,
): TimelineRow[] {
  const typeOf = new Map(workflow.nodes.map((node) => [node.id, node.type]));
  // Steps started in the same millisecond keep the document's order (a trigger before what
  // follows it), then their keys (loop iterations).
  const order = new Map(workflow.nodes.map((node, index) => [node.id, index]));
  return [...steps]
    .sort(
      (a, b) =>
        (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) ||
        (order.get(a.nodeId) ?? Infinity) - (order.get(b.nodeId) ?? Infinity) ||
        a.key.localeCompare(b.key),
    )
    .map((step) => {
      const duration =
        step.durationMs ??
        (step.startedAt !== undefined && step.finishedAt !== undefined
          ? step.finishedAt - step.startedAt
          : undefined);
      return {
        step: step.key,
        nodeType: typeOf.get(step.nodeId) ?? '?',
        status: step.status,
        attempt: step.attempt,
        ...(step.startedAt === undefined
          ? {}
          : { startOffsetMs: Math.max(0, step.startedAt - execution.createdAt) }),
        ...(duration === undefined ? {} : { durationMs: duration }),
      };
    });
}

/** `12 ms`, `1.50 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Renders rows as an aligned text table: `step  node type  status  attempt  start  duration`. */
export function formatTimeline(rows: readonly TimelineRow[]): string {
  const header = ['step', 'node type', 'status', 'attempt', 'start', 'duration'];
  const cells = rows.map((row) => [
    row.step,
    row.nodeType,
    row.status,
    String(row.attempt),
    row.startOffsetMs === undefined ? '-' : `+${formatDuration(row.startOffsetMs)}`,
    formatDuration(row.durationMs),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(header), ...cells.map(render)].join('\n') + '\n';
}
