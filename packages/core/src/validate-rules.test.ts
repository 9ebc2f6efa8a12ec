import { describe, expect, test } from 'vitest';
import { testRegistry } from './test-registry.js';
import { baseDoc, node, type Doc } from './test-workflows.js';
import { validate } from './validate.js';

const registry = testRegistry();

describe('validate rules', () => {
  test.each<{
    rule: string;
    mutate: (doc: Doc) => void;
    path: string;
    code: string;
    message: string | RegExp;
  }>([
    {
      rule: 'newer schemaVersion',
      mutate: (d) => (d.schemaVersion = 2),
      path: '/schemaVersion',
      code: 'UNSUPPORTED_SCHEMA_VERSION',
      message: /schemaVersion 2 is newer/,
    },
    {
      rule: 'missing node name',
      mutate: (d) => delete d.nodes[1]!.name,
      path: '/nodes/1/name',
      code: 'SCHEMA',
      message: 'is required (expected string)',
    },
    {
      rule: 'wrong field type',
      mutate: (d) => (d.nodes[3]!.timeoutMs = 'soon'),
      path: '/nodes/3/timeoutMs',
      code: 'SCHEMA',
      message: /expected number, received string/,
    },
    {
      rule: 'duplicate node id',
      mutate: (d) => (d.nodes[3]!.id = 'a'),
      path: '/nodes/3/id',
      code: 'DUPLICATE_NODE_ID',
      message: 'duplicate node id "a" (also used by /nodes/1)',
    },
    {
      rule: 'duplicate node name',
      mutate: (d) => (d.nodes[3]!.name = 'Compute'),
      path: '/nodes/3/name',
      code: 'DUPLICATE_NODE_NAME',
      message: /duplicate node name "Compute" \(also used by \/nodes\/1\)/,
    },
    {
      rule: 'unknown node type',
      mutate: (d) => (d.nodes[2]!.type = 'foo.bar'),
      path: '/nodes/2/type',
      code: 'UNKNOWN_NODE_TYPE',
      message: 'unknown node type "foo.bar"',
    },
    {
      rule: 'dangling edge target',
      mutate: (d) => (d.edges[1]!.to = 'x'),
      path: '/edges/1/to',
      code: 'DANGLING_EDGE',
      message: 'no node with id "x"',
    },
    {
      rule: 'dangling edge source',
      mutate: (d) => (d.edges[1]!.from = 'x'),
      path: '/edges/1/from',
      code: 'DANGLING_EDGE',
      message: 'no node with id "x"',
    },
    {
      rule: 'duplicate edge id',
      mutate: (d) => (d.edges[3]!.id = 'e1'),
      path: '/edges/3/id',
      code: 'DUPLICATE_EDGE_ID',
      message: 'duplicate edge id "e1" (also used by /edges/0)',
    },
    {
      rule: 'unknown port',
      mutate: (d) => (d.edges[2]!.port = 'maybe'),
      path: '/edges/2/port',
      code: 'UNKNOWN_PORT',
      message: 'node "Check" has no port "maybe" (available: true, false)',
    },
    {
      rule: 'default port on a node without "out"',
      mutate: (d) => delete d.edges[2]!.port,
      path: '/edges/2/port',
      code: 'UNKNOWN_PORT',
      message: /no port "out"/,
    },
    {
      rule: 'error port without onError route',
      mutate: (d) => (d.edges[1]!.port = 'error'),
      path: '/edges/1/port',
      code: 'UNKNOWN_PORT',
      message: 'node "Compute" has no port "error" (available: out)',
    },
    {
      rule: 'dynamic ports',
      mutate: (d) => {
        d.nodes[2] = {
          id: 'i',
          type: 'test.switch',
          name: 'Check',
          params: { value: 1, cases: ['true', 'big'] },
        };
      },
      path: '/edges/3/port',
      code: 'UNKNOWN_PORT',
      message: 'node "Check" has no port "false" (available: true, big, default)',
    },
    {
      rule: 'edge into a trigger',
      mutate: (d) => d.edges.push({ id: 'x', from: 'h', to: 't' }),
      path: '/edges/5/to',
      code: 'EDGE_INTO_TRIGGER',
      message: /"Start" is a trigger/,
    },
    {
      rule: 'edge into a container body',
      mutate: (d) => d.edges.push({ id: 'x', from: 'h', to: 'b2' }),
      path: '/edges/5/to',
      code: 'CROSS_CONTAINER_EDGE',
      message: /node "Body 2" is inside container "Each"; edges cannot enter/,
    },
    {
      rule: 'edge from a container to its body',
      mutate: (d) => d.edges.push({ id: 'x', from: 'l', port: 'done', to: 'b' }),
      path: '/edges/5/to',
      code: 'CROSS_CONTAINER_EDGE',
      message: /cannot enter/,
    },
    {
      rule: 'edge out of a container body',
      mutate: (d) => d.edges.push({ id: 'x', from: 'b2', to: 'h' }),
      path: '/edges/5/from',
      code: 'CROSS_CONTAINER_EDGE',
      message: /node "Body 2" is inside container "Each"; edges cannot leave/,
    },
    {
      rule: 'parentId names no node',
      mutate: (d) => (node(d, 'b').parentId = 'zz'),
      path: '/nodes/5/parentId',
      code: 'BAD_PARENT',
      message: 'no node with id "zz"',
    },
    {
      rule: 'parentId names a non-container',
      mutate: (d) => (node(d, 'b').parentId = 'h'),
      path: '/nodes/5/parentId',
      code: 'BAD_PARENT',
      message: /node "Call" \(type "test.http"\) is not a container; containers are: flow.loop/,
    },
    {
      rule: 'trigger inside a container',
      mutate: (d) => (node(d, 't').parentId = 'l'),
      path: '/nodes/0/parentId',
      code: 'BAD_PARENT',
      message: /trigger "Start" cannot sit inside a container/,
    },
    {
      rule: 'container nesting loop',
      mutate: (d) => (node(d, 'l').parentId = 'l'),
      path: '/nodes/4/parentId',
      code: 'BAD_PARENT',
      message: /loops back/,
    },
    {
      rule: 'cycle',
      mutate: (d) => d.edges.push({ id: 'x', from: 'h', to: 'a' }),
      path: '/edges/5',
      code: 'CYCLE',
      message: /^cycle "Compute" -> "Check" -> "Call" -> "Compute"; .*flow\.loop/,
    },
    {
      rule: 'self loop',
      mutate: (d) => d.edges.push({ id: 'x', from: 'a', to: 'a' }),
      path: '/edges/5',
      code: 'CYCLE',
      message: /^cycle "Compute" -> "Compute"/,
    },
    {
      rule: 'cycle inside a loop body',
      mutate: (d) => d.edges.push({ id: 'x', from: 'b2', to: 'b' }),
      path: '/edges/5',
      code: 'CYCLE',
      message: /"Body" -> "Body 2" -> "Body"/,
    },
    {
      rule: 'expression that does not parse',
      mutate: (d) => (node(d, 'a').params = { fields: { total: 'Sum: {{ $sum($input.x }}' } }),
      path: '/nodes/1/params/fields/total',
      code: 'EXPRESSION_SYNTAX',
      message: /^expression does not parse at character \d+: Expected "\)"/,
    },
    {
      rule: 'unterminated template',
      mutate: (d) => (node(d, 'a').params = { fields: { 'a/b': '{{ $input' } }),
      path: '/nodes/1/params/fields/a~1b',
      code: 'EXPRESSION_SYNTAX',
      message: /not closed/,
    },
    {
      rule: 'param below minimum',
      mutate: (d) => (node(d, 'a').params = { count: -1 }),
      path: '/nodes/1/params/count',
      code: 'INVALID_PARAM',
      message: /expected number to be >=0/,
    },
    {
      rule: 'missing required param',
      mutate: (d) => (node(d, 'i').params = {}),
      path: '/nodes/2/params/condition',
      code: 'INVALID_PARAM',
      message: 'is required (expected boolean)',
    },
    {
      rule: 'param with wrong enum value',
      mutate: (d) => (node(d, 'a').params = { mode: 'sideways' }),
      path: '/nodes/1/params/mode',
      code: 'INVALID_PARAM',
      message: /expected one of "merge"\|"replace"/,
    },
    {
      rule: 'param not a URL',
      mutate: (d) => (node(d, 'h').params = { url: 'not a url' }),
      path: '/nodes/3/params/url',
      code: 'INVALID_PARAM',
      message: /URL/,
    },
    {
      rule: 'whole-params refinement',
      mutate: (d) => (node(d, 'h').params = { url: 'ftp://example.com' }),
      path: '/nodes/3/params',
      code: 'INVALID_PARAM',
      message: 'must be http(s)',
    },
    {
      rule: 'no trigger',
      mutate: (d) => {
        d.nodes.shift();
        d.edges.shift();
      },
      path: '/nodes',
      code: 'NO_TRIGGER',
      message: /^workflow has no trigger node; add one \(one of: test.trigger\)$/,
    },
  ])('reports $rule', ({ mutate, path, code, message }) => {
    const doc = baseDoc();
    mutate(doc);
    const result = validate(doc, registry);
    expect(result.ok).toBe(false);
    const found = result.problems.find((p) => p.path === path && p.code === code);
    expect(found, JSON.stringify(result.problems)).toBeDefined();
    if (typeof message === 'string') expect(found?.message).toBe(message);
    else expect(found?.message).toMatch(message);
  });
});
