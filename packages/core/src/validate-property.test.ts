import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { testRegistry } from './test-registry.js';
import { validate } from './validate.js';

const registry = testRegistry();

type RawNode = { id: string; type: string; name: string; params: Record<string, unknown> };
type RawEdge = { id: string; from: string; to: string; port?: string };
type Doc = { schemaVersion: 1; name: string; nodes: RawNode[]; edges: RawEdge[] };

const ACTION_TYPES = ['test.set', 'test.if', 'test.switch', 'test.http', 'test.transform'] as const;
type ActionType = (typeof ACTION_TYPES)[number];

function paramsFor(type: ActionType, templated: boolean): Record<string, unknown> {
  switch (type) {
    case 'test.set':
      return templated ? { fields: { total: '{{ $input.x + 1 }}' } } : { count: 3, mode: 'merge' };
    case 'test.if':
      return { condition: templated ? '{{ $input.ok = true }}' : false };
    case 'test.switch':
      return { value: templated ? '{{ $input.kind }}' : 1, cases: ['a', 'b'] };
    case 'test.http':
      return { url: templated ? 'https://example.com/{{ $input.id }}' : 'https://example.com/x' };
    case 'test.transform':
      return { expression: templated ? '{{ not parsed (' : '$.x' };
  }
}

function portsOf(node: RawNode): string[] {
  const type = registry.get(node.type);
  if (type === undefined) return ['out'];
  return [...(typeof type.ports === 'function' ? type.ports(node.params) : type.ports)];
}

/** Random valid DAG workflows: node 0 is the trigger, edges only go from lower to higher index. */
const validDoc: fc.Arbitrary<Doc> = fc
  .integer({ min: 1, max: 10 })
  .chain((n) =>
    fc.record({
      names: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
        minLength: n,
        maxLength: n,
      }),
      types: fc.array(fc.constantFrom(...ACTION_TYPES), { minLength: n, maxLength: n }),
      templated: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      links: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: n * 2 }),
    }),
  )
  .map(({ names, types, templated, links }) => {
    const nodes: RawNode[] = names.map((name, i) =>
      i === 0
        ? { id: 'n0', type: 'test.trigger', name, params: {} }
        : { id: `n${i}`, type: types[i]!, name, params: paramsFor(types[i]!, templated[i]!) },
    );
    const edges: RawEdge[] = [];
    for (const [a, b, p] of links) {
      const [i, j] = [a % nodes.length, b % nodes.length].sort((x, y) => x - y) as [number, number];
      if (i === j) continue;
      const ports = portsOf(nodes[i]!);
      edges.push({
        id: `e${edges.length}`,
        from: nodes[i]!.id,
        to: nodes[j]!.id,
        port: ports[p % ports.length]!,
      });
    }
    return { schemaVersion: 1, name: 'Generated', nodes, edges };
  });

type Mutation = (doc: Doc, pick: number) => { path: string; code: string } | undefined;

/** Each mutation breaks one rule and says where the problem must be reported. */
const mutations: Record<string, Mutation> = {
  'duplicate name': (doc, pick) => {
    if (doc.nodes.length < 2) return undefined;
    const j = 1 + (pick % (doc.nodes.length - 1));
    doc.nodes[j]!.name = doc.nodes[pick % j]!.name;
    return { path: `/nodes/${j}/name`, code: 'DUPLICATE_NODE_NAME' };
  },
  'dangling edge': (doc, pick) => {
    doc.edges.push({ id: 'bad', from: doc.nodes[pick % doc.nodes.length]!.id, to: 'missing' });
    return { path: `/edges/${doc.edges.length - 1}/to`, code: 'DANGLING_EDGE' };
  },
  'unknown type': (doc, pick) => {
    const k = pick % doc.nodes.length;
    doc.nodes[k]!.type = 'nope.nope';
    return { path: `/nodes/${k}/type`, code: 'UNKNOWN_NODE_TYPE' };
  },
  'bad port': (doc, pick) => {
    if (doc.nodes.length < 2) return undefined;
    const to = 1 + (pick % (doc.nodes.length - 1));
    doc.edges.push({
      id: 'bad',
      from: doc.nodes[pick % to]!.id,
      to: doc.nodes[to]!.id,
      port: 'nope',
    });
    return { path: `/edges/${doc.edges.length - 1}/port`, code: 'UNKNOWN_PORT' };
  },
  cycle: (doc, pick) => {
    const inner = doc.edges.filter((edge) => edge.from !== 'n0');
    const byId = new Map(doc.nodes.map((node) => [node.id, node]));
    let from: RawNode;
    let to: RawNode;
    if (inner.length > 0) {
      const edge = inner[pick % inner.length]!;
      [from, to] = [byId.get(edge.to)!, byId.get(edge.from)!];
    } else if (doc.nodes.length > 1) {
      from = to = doc.nodes[1 + (pick % (doc.nodes.length - 1))]!;
    } else return undefined;
    doc.edges.push({ id: 'back', from: from.id, to: to.id, port: portsOf(from)[0]! });
    return { path: `/edges/${doc.edges.length - 1}`, code: 'CYCLE' };
  },
  'broken expression': (doc, pick) => {
    const k = pick % doc.nodes.length;
    doc.nodes[k]!.params = { ...doc.nodes[k]!.params, broken: 'Sum: {{ $sum($input.( }}' };
    return { path: `/nodes/${k}/params/broken`, code: 'EXPRESSION_SYNTAX' };
  },
  'bad param': (doc, pick) => {
    const k = pick % doc.nodes.length;
    const node = doc.nodes[k]!;
    const [key, value] = (
      {
        'test.trigger': ['path', 5],
        'test.set': ['count', -1],
        'test.if': ['condition', 'yes'],
        'test.switch': ['cases', 'a'],
        'test.http': ['url', 'not a url'],
        'test.transform': ['expression', 5],
      } as Record<string, [string, unknown]>
    )[node.type]!;
    node.params = { ...node.params, [key]: value };
    return { path: `/nodes/${k}/params/${key}`, code: 'INVALID_PARAM' };
  },
};

describe('validate (properties)', () => {
  test('random valid DAG workflows validate', () => {
    fc.assert(
      fc.property(validDoc, (doc) => {
        const result = validate(doc, registry);
        expect(result.problems).toEqual([]);
        expect(result.ok).toBe(true);
      }),
    );
  });

  test.each(Object.keys(mutations))('a %s is reported at the right pointer', (kind) => {
    fc.assert(
      fc.property(validDoc, fc.nat(), (doc, pick) => {
        const expected = mutations[kind]!(doc, pick);
        fc.pre(expected !== undefined);
        const result = validate(doc, registry);
        expect(result.ok).toBe(false);
        expect(result.problems).toContainEqual(expect.objectContaining(expected));
      }),
    );
  });
});
