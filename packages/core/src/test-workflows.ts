/** Shared test helper: a small valid workflow that validator tests mutate. */
export type Doc = {
  schemaVersion?: unknown;
  name: string;
  nodes: Array<Record<string, unknown>>;
  edges: Array<Record<string, unknown>>;
};

/** trigger -> Compute -> Check -(true)-> Call, Check -(false)-> Each { Body -> Body 2 } */
export function baseDoc(): Doc {
  return {
    schemaVersion: 1,
    name: 'Test',
    nodes: [
      { id: 't', type: 'test.trigger', name: 'Start', params: {} },
      {
        id: 'a',
        type: 'test.set',
        name: 'Compute',
        params: { fields: { total: '{{ $input.a + 1 }}' } },
      },
      {
        id: 'i',
        type: 'test.if',
        name: 'Check',
        params: { condition: '{{ $steps.Compute.total > 1 }}' },
      },
      { id: 'h', type: 'test.http', name: 'Call', params: { url: 'https://example.com' } },
      { id: 'l', type: 'flow.loop', name: 'Each', params: { items: '{{ $input.items }}' } },
      { id: 'b', type: 'test.set', name: 'Body', parentId: 'l', params: {} },
      { id: 'b2', type: 'test.set', name: 'Body 2', parentId: 'l', params: {} },
    ],
    edges: [
      { id: 'e1', from: 't', to: 'a' },
      { id: 'e2', from: 'a', to: 'i' },
      { id: 'e3', from: 'i', port: 'true', to: 'h' },
      { id: 'e4', from: 'i', port: 'false', to: 'l' },
      { id: 'e5', from: 'b', to: 'b2' },
    ],
  };
}

/** The node with `id` in `doc` (throws when absent). */
export function node(doc: Doc, id: string): Record<string, unknown> {
  const found = doc.nodes.find((n) => n.id === id);
  if (found === undefined) throw new Error(`no node ${id}`);
  return found;
}
