import ELK from 'elkjs/lib/elk.bundled.js';
import type { Workflow } from '../api/types';

const elk = new ELK();
const WIDTH = 200;
const HEIGHT = 80;

/**
 * Positions every node left to right with ELK's layered layout (containers laid out inside,
 * their children relative to them). Sticky notes keep their place.
 */
export async function autoLayout(doc: Workflow): Promise<Workflow> {
  const childrenOf = (parentId: string | undefined) =>
    doc.nodes.filter((n) => (n.parentId ?? undefined) === parentId);
  const build = (parentId: string | undefined): Array<Record<string, unknown>> =>
    childrenOf(parentId).map((node) => {
      const inner = build(node.id);
      return inner.length > 0
        ? {
            id: node.id,
            children: inner,
            edges: edgesWithin(node.id),
            layoutOptions: {
              'elk.algorithm': 'layered',
              'elk.direction': 'RIGHT',
              'elk.padding': '[top=50,left=20,bottom=20,right=20]',
            },
          }
        : { id: node.id, width: WIDTH, height: HEIGHT };
    });
  const edgesWithin = (parentId: string | undefined) => {
    const inside = new Set(childrenOf(parentId).map((n) => n.id));
    return doc.edges
      .filter((e) => inside.has(e.from) && inside.has(e.to))
      .map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] }));
  };
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
    },
    children: build(undefined) as never,
    edges: edgesWithin(undefined) as never,
  });
  const positions = new Map<string, { x: number; y: number }>();
  const collect = (
    nodes: Array<{ id: string; x?: number; y?: number; children?: unknown[] }> | undefined,
  ) => {
    for (const n of nodes ?? []) {
      positions.set(n.id, { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) });
      collect(n.children as never);
    }
  };
  collect(graph.children as never);
  return {
    ...doc,
    nodes: doc.nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })),
  };
}
