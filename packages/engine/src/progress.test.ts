import fc from 'fast-check';
import { WorkflowGraph, type Workflow } from '@flowstate/core';
import { describe, expect, test } from 'vitest';
import { ExecutionRun } from './execution-run.js';
import { advance, finishIfDone, succeedStep, type Decide } from './progress.js';
import type { ExecutionRecord } from './store.js';

const decide: Decide = { now: 1000, workerId: 'w', leaseMs: 1000 };

/** A random DAG: node 0 is the trigger, edges go from lower to higher index on random ports. */
const dagArbitrary = fc.integer({ min: 2, max: 12 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    edges: fc.uniqueArray(
      fc
        .tuple(
          fc.integer({ min: 0, max: size - 1 }),
          fc.integer({ min: 0, max: size - 1 }),
          fc.constantFrom('out', 'a', 'b'),
        )
        .filter(([from, to]) => from < to && to > 0),
      { selector: ([from, to, port]) => `${from}-${to}-${port}`, maxLength: size * 3 },
    ),
    // The port each node emits on when it runs.
    emits: fc.array(fc.constantFrom('out', 'a', 'b'), { minLength: size, maxLength: size }),
  }),
);

function buildRun(size: number, edges: Array<[number, number, string]>): ExecutionRun {
  const workflow: Workflow = {
    schemaVersion: 1,
    name: 'dag',
    nodes: Array.from({ length: size }, (_, i) => ({
      id: `n${i}`,
      name: `N${i}`,
      type: 'x',
      params: {},
    })),
    edges: edges.map(([from, to, port], i) => ({
      id: `e${i}`,
      from: `n${from}`,
      to: `n${to}`,
      port,
    })),
  };
  const execution: ExecutionRecord = {
    id: 'x1',
    workflowId: 'w',
    workflowVersion: 1,
    status: 'running',
    seq: 0,
    triggerNodeId: 'n0',
    input: null,
    depth: 0,
    createdAt: 0,
    updatedAt: 0,
  };
  const run = new ExecutionRun({ execution, graph: new WorkflowGraph(workflow), expectSeq: 'new' });
  run.putStep({ executionId: 'x1', key: 'n0', nodeId: 'n0', status: 'running', attempt: 1 });
  return run;
}

describe('readiness (dead-path elimination)', () => {
  test('a node runs iff a live path reaches it; every reachable node is decided exactly once', () => {
    fc.assert(
      fc.property(dagArbitrary, ({ size, edges, emits }) => {
        const run = buildRun(size, edges);
        const created: string[] = [];
        const queue = succeedStep(run, 'n0', { port: emits[0]!, value: 0 }, decide);
        while (queue.length > 0) {
          const key = queue.shift()!;
          created.push(key);
          // Every predecessor is resolved when a node becomes ready.
          for (const edge of run.graph.incoming(key)) {
            const source = run.steps.get(edge.from);
            const unreachable = !source && !reachedFromTrigger(edges, Number(edge.from.slice(1)));
            expect(unreachable || ['succeeded', 'skipped'].includes(source!.status)).toBe(true);
          }
          const index = Number(key.slice(1));
          queue.push(...succeedStep(run, key, { port: emits[index]!, value: index }, decide));
        }
        // Reference: live iff some incoming edge comes from a live node that emitted on its port.
        const live = new Set<number>([0]);
        for (let v = 1; v < size; v++) {
          if (edges.some(([from, to, port]) => to === v && live.has(from) && emits[from] === port))
            live.add(v);
        }
        const reached = new Set<number>([0]);
        for (let v = 1; v < size; v++) {
          if (edges.some(([from, to]) => to === v && reached.has(from))) reached.add(v);
        }
        for (let v = 1; v < size; v++) {
          const step = run.steps.get(`n${v}`);
          // Nodes that only other (unfired) triggers lead to are never decided.
          if (!reached.has(v)) expect(step).toBeUndefined();
          else expect(step?.status).toBe(live.has(v) ? 'succeeded' : 'skipped');
        }
        expect(new Set(created).size).toBe(created.length);
        expect(finishIfDone(run, decide)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('re-evaluating a finished step creates nothing new', () => {
    const run = buildRun(3, [
      [0, 1, 'out'],
      [1, 2, 'out'],
    ]);
    const ready = succeedStep(run, 'n0', { port: 'out', value: 1 }, decide);
    expect(ready).toEqual(['n1']);
    expect(advance(run, 'n0', decide)).toEqual([]);
  });
});

function reachedFromTrigger(edges: Array<[number, number, string]>, node: number): boolean {
  const reached = new Set<number>([0]);
  for (let v = 1; v <= node; v++)
    if (edges.some(([from, to]) => to === v && reached.has(from))) reached.add(v);
  return reached.has(node);
}
