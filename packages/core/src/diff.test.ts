import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyWorkflowDiff } from './diff-apply.js';
import { describeDiff, diffWorkflows, edgeKey, isEmptyDiff } from './diff.js';
import type { JsonValue } from './json.js';
import type { Workflow } from './model.js';

function base(): Workflow {
  return {
    schemaVersion: 1,
    name: 'Orders',
    tags: ['sales'],
    nodes: [
      { id: 't', type: 'trigger.manual', name: 'Start', params: {}, position: { x: 0, y: 0 } },
      {
        id: 'h',
        type: 'http.request',
        name: 'Fetch',
        params: { url: 'https://a.example', headers: { accept: 'json' } },
        position: { x: 100, y: 0 },
      },
      { id: 's', type: 'transform.set', name: 'Shape', params: { fields: { a: 1 } } },
    ],
    edges: [
      { id: 'e1', from: 't', to: 'h' },
      { id: 'e2', from: 'h', to: 's' },
    ],
    settings: { timezone: 'UTC' },
  };
}

describe('diffWorkflows', () => {
  test('identical documents give an empty diff', () => {
    expect(isEmptyDiff(diffWorkflows(base(), base()))).toBe(true);
  });

  test.each([
    [
      'node added',
      (w: Workflow) => w.nodes.push({ id: 'n', type: 'log', name: 'Log', params: {} }),
      { nodesAdded: [{ id: 'n', type: 'log', name: 'Log', params: {} }] },
    ],
    [
      'node removed',
      (w: Workflow) => w.nodes.splice(2, 1),
      { nodesRemoved: [expect.objectContaining({ id: 's' })] },
    ],
    [
      'node renamed',
      (w: Workflow) => (w.nodes[1]!.name = 'Get'),
      { nodesRenamed: [{ nodeId: 'h', from: 'Fetch', to: 'Get' }] },
    ],
    [
      'node moved',
      (w: Workflow) => (w.nodes[1]!.position = { x: 5, y: 6 }),
      { nodesMoved: [{ nodeId: 'h', from: { x: 100, y: 0 }, to: { x: 5, y: 6 } }] },
    ],
    [
      'param changed',
      (w: Workflow) => (w.nodes[1]!.params['url'] = 'https://b.example'),
      {
        paramsChanged: [
          {
            nodeId: 'h',
            path: '/params/url',
            before: 'https://a.example',
            after: 'https://b.example',
          },
        ],
      },
    ],
    [
      'nested param removed',
      (w: Workflow) => delete (w.nodes[1]!.params['headers'] as Record<string, unknown>)['accept'],
      { paramsChanged: [{ nodeId: 'h', path: '/params/headers/accept', before: 'json' }] },
    ],
    [
      'node field changed',
      (w: Workflow) => (w.nodes[1]!.retry = { maxAttempts: 5 }),
      { nodesChanged: [{ nodeId: 'h', path: '/retry', after: { maxAttempts: 5 } }] },
    ],
    [
      'edge rewired',
      (w: Workflow) => (w.edges[1] = { id: 'e2', from: 't', to: 's' }),
      {
        edgesAdded: [{ id: 'e2', from: 't', to: 's' }],
        edgesRemoved: [{ id: 'e2', from: 'h', to: 's' }],
      },
    ],
    [
      'setting changed',
      (w: Workflow) => (w.settings = { timezone: 'Europe/Paris' }),
      { settingsChanged: [{ path: '/timezone', before: 'UTC', after: 'Europe/Paris' }] },
    ],
    [
      'description added',
      (w: Workflow) => (w.description = 'hi'),
      { workflowChanged: [{ path: '/description', after: 'hi' }] },
    ],
  ])('%s', (_name, mutate, expected) => {
    const after = base();
    mutate(after);
    const diff = diffWorkflows(base(), after);
    expect(diff).toMatchObject(expected);
    const touched = Object.entries(diff).filter(([, list]) => (list as unknown[]).length > 0);
    expect(touched.map(([key]) => key).sort()).toEqual(Object.keys(expected).sort());
  });

  test('an edge whose id alone changed is no change', () => {
    const after = base();
    after.edges[0]!.id = 'renamed';
    expect(isEmptyDiff(diffWorkflows(base(), after))).toBe(true);
  });

  test('describeDiff gives pointers into the documents', () => {
    const after = base();
    after.nodes[1]!.params['url'] = 'https://b.example';
    after.nodes.splice(2, 1);
    after.edges.splice(1, 1);
    const lines = describeDiff(diffWorkflows(base(), after), base(), after);
    expect(lines).toEqual([
      { path: '/nodes/2', message: 'node "Shape" removed', code: 'NODE_REMOVED' },
      {
        path: '/nodes/1/params/url',
        message: '/params/url changed on node "h"',
        code: 'PARAM_CHANGED',
      },
      { path: '/edges/1', message: 'edge h -(out)-> s removed', code: 'EDGE_REMOVED' },
    ]);
  });
});

const json: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
const ids = ['a', 'b', 'c', 'd', 'e'];

/** Random workflows over a small id space, so two of them share nodes and edges often. */
const workflow: fc.Arbitrary<Workflow> = fc
  .record({
    name: fc.constantFrom('One', 'Two'),
    tags: fc.option(fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }), { nil: undefined }),
    nodes: fc.uniqueArray(
      fc.record({
        id: fc.constantFrom(...ids),
        type: fc.constantFrom('t.a', 't.b'),
        name: fc.constantFrom('N1', 'N2', 'N3'),
        params: fc.dictionary(fc.constantFrom('url', 'body', 'a/b', 'n~1'), json, { maxKeys: 3 }),
        position: fc.option(fc.record({ x: fc.integer(), y: fc.integer() }), { nil: undefined }),
        disabled: fc.option(fc.boolean(), { nil: undefined }),
      }),
      { selector: (node) => node.id, maxLength: 5 },
    ),
    edges: fc.uniqueArray(
      fc.record({
        id: fc.constantFrom('e1', 'e2', 'e3'),
        from: fc.constantFrom(...ids),
        port: fc.option(fc.constantFrom('out', 'true'), { nil: undefined }),
        to: fc.constantFrom(...ids),
      }),
      { selector: (edge) => edgeKey(edge), maxLength: 6 },
    ),
    settings: fc.option(fc.record({ timezone: fc.constantFrom('UTC', 'Asia/Tokyo') }), {
      nil: undefined,
    }),
  })
  .map((w) => JSON.parse(JSON.stringify({ schemaVersion: 1, ...w })) as Workflow);

/** Order-insensitive form: nodes by id, edges by connection (edge ids ignored). */
function normalize(w: Workflow): unknown {
  const { nodes, edges, settings, ...rest } = w;
  return {
    ...rest,
    settings: settings && Object.keys(settings).length > 0 ? settings : undefined,
    nodes: [...nodes].sort((x, y) => (x.id < y.id ? -1 : 1)),
    edges: edges.map(edgeKey).sort(),
  };
}

describe('diffWorkflows properties', () => {
  test('diff(a, a) is empty', () => {
    fc.assert(fc.property(workflow, (a) => isEmptyDiff(diffWorkflows(a, a))));
  });

  test('applying diff(a, b) to a gives b', () => {
    fc.assert(
      fc.property(workflow, workflow, (a, b) => {
        expect(normalize(applyWorkflowDiff(a, diffWorkflows(a, b)))).toEqual(normalize(b));
      }),
    );
  });

  test('categories are consistent: added/removed partition the node and edge sets', () => {
    fc.assert(
      fc.property(workflow, workflow, (a, b) => {
        const diff = diffWorkflows(a, b);
        const aIds = new Set(a.nodes.map((n) => n.id));
        const bIds = new Set(b.nodes.map((n) => n.id));
        expect(diff.nodesAdded.every((n) => bIds.has(n.id) && !aIds.has(n.id))).toBe(true);
        expect(diff.nodesRemoved.every((n) => aIds.has(n.id) && !bIds.has(n.id))).toBe(true);
        const kept = [...aIds].filter((id) => bIds.has(id)).length;
        expect(kept + diff.nodesAdded.length).toBe(bIds.size);
        expect(kept + diff.nodesRemoved.length).toBe(aIds.size);
        const changed = new Set(
          [
            ...diff.nodesRenamed,
            ...diff.nodesMoved,
            ...diff.paramsChanged,
            ...diff.nodesChanged,
          ].map((c) => c.nodeId),
        );
        for (const id of changed) expect(aIds.has(id) && bIds.has(id)).toBe(true);
        const aEdges = new Set(a.edges.map(edgeKey));
        const bEdges = new Set(b.edges.map(edgeKey));
        const keptEdges = [...aEdges].filter((k) => bEdges.has(k)).length;
        expect(keptEdges + diff.edgesAdded.length).toBe(bEdges.size);
        expect(keptEdges + diff.edgesRemoved.length).toBe(aEdges.size);
      }),
    );
  });

  test('the reverse diff swaps added and removed', () => {
    fc.assert(
      fc.property(workflow, workflow, (a, b) => {
        const forward = diffWorkflows(a, b);
        const backward = diffWorkflows(b, a);
        expect(backward.nodesAdded).toEqual(forward.nodesRemoved);
        expect(backward.edgesRemoved).toEqual(forward.edgesAdded);
        expect(backward.paramsChanged.length).toBe(forward.paramsChanged.length);
      }),
    );
  });
});
