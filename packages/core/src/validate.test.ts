import { describe, expect, test } from 'vitest';
import { migrateWorkflow } from './migrate.js';
import { testRegistry } from './test-registry.js';
import { baseDoc, node } from './test-workflows.js';
import { validate } from './validate.js';

const registry = testRegistry();

describe('validate', () => {
  test('accepts a valid workflow and returns the parsed document', () => {
    const result = validate(baseDoc(), registry);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.workflow?.nodes).toHaveLength(7);
  });

  test('treats a missing schemaVersion as 1', () => {
    const doc = baseDoc();
    delete doc.schemaVersion;
    const result = validate(doc, registry);
    expect(result.ok).toBe(true);
    expect(result.workflow?.schemaVersion).toBe(1);
    expect(migrateWorkflow(baseDoc())).toEqual(baseDoc());
  });

  test('rejects a document that is not an object', () => {
    expect(validate('nope', registry)).toEqual({
      ok: false,
      problems: [{ path: '', message: 'a workflow must be a JSON object', code: 'SCHEMA' }],
    });
  });

  test.each([
    ['a template for a boolean', { condition: '{{ $input.ok }}' }],
    ['a template for a URL under a refinement', { url: '{{ $input.url }}' }],
  ])('accepts %s', (_, params) => {
    const doc = baseDoc();
    if ('condition' in params) node(doc, 'i').params = params;
    else node(doc, 'h').params = params;
    expect(validate(doc, registry).problems).toEqual([]);
  });

  test('accepts the error port when onError is route, and skips raw params', () => {
    const doc = baseDoc();
    node(doc, 'h').onError = 'route';
    doc.nodes.push({
      id: 'r',
      type: 'test.transform',
      name: 'Raw',
      params: { expression: '{{ not( }}' },
    });
    doc.edges.push({ id: 'x', from: 'h', port: 'error', to: 'r' });
    expect(validate(doc, registry).problems).toEqual([]);
  });

  test('returns every problem at once, graph checks included when the schema fails', () => {
    const doc = baseDoc();
    node(doc, 'a').name = 42; // schema error; edges to "a" are still not dangling
    node(doc, 'h').type = 'foo.bar';
    doc.edges.push({ id: 'e1', from: 'i', port: 'false', to: 'nowhere' });
    const result = validate(doc, registry);
    expect(result.ok).toBe(false);
    expect(result.workflow).toBeUndefined();
    expect(result.problems.map((p) => `${p.path} ${p.code}`).sort()).toEqual([
      '/edges/5/id DUPLICATE_EDGE_ID',
      '/edges/5/to DANGLING_EDGE',
      '/nodes/1/name SCHEMA',
      '/nodes/3/type UNKNOWN_NODE_TYPE',
    ]);
  });

  test('returns the parsed workflow beside graph problems', () => {
    const doc = baseDoc();
    doc.edges.push({ id: 'x', from: 'h', to: 'a' });
    const result = validate(doc, registry);
    expect(result.ok).toBe(false);
    expect(result.workflow?.edges).toHaveLength(6);
  });

  test('handles a long chain without overflowing the stack', () => {
    const count = 5_000;
    const nodes = [{ id: 'n0', type: 'test.trigger', name: 'N0', params: {} }];
    const edges = [];
    for (let i = 1; i < count; i++) {
      nodes.push({ id: `n${i}`, type: 'test.set', name: `N${i}`, params: {} });
      edges.push({ id: `e${i}`, from: `n${i - 1}`, to: `n${i}` });
    }
    edges.push({ id: 'back', from: `n${count - 1}`, to: 'n1' });
    const result = validate({ schemaVersion: 1, name: 'Long', nodes, edges }, registry);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.path).toBe(`/edges/${count - 1}`);
  });
});
