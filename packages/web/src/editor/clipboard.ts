import type { Workflow, WorkflowEdge, WorkflowNode } from '../api/types';
import { freshEdgeId, freshId, freshName } from './store';

/** What copy puts on the clipboard: a fragment of a workflow, as JSON text. */
export interface ClipboardFragment {
  flowstate: 'fragment';
  version: 1;
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
  stickyNotes?: NonNullable<Workflow['stickyNotes']>;
}

/** The selected nodes (with what sits inside selected containers) and the edges between them. */
export function copySelection(
  doc: Workflow,
  selection: ReadonlySet<string>,
): ClipboardFragment | undefined {
  const ids = new Set(doc.nodes.filter((n) => selection.has(n.id)).map((n) => n.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of doc.nodes) {
      if (n.parentId && ids.has(n.parentId) && !ids.has(n.id)) {
        ids.add(n.id);
        grew = true;
      }
    }
  }
  const stickyNotes = (doc.stickyNotes ?? []).filter((s) => selection.has(s.id));
  if (ids.size === 0 && stickyNotes.length === 0) return undefined;
  return {
    flowstate: 'fragment',
    version: 1,
    nodes: doc.nodes.filter((n) => ids.has(n.id)),
    edges: doc.edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
    ...(stickyNotes.length > 0 ? { stickyNotes } : {}),
  };
}

/** Reads clipboard text as a fragment, or says why it is not one. */
export function parseFragment(text: string): ClipboardFragment | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'The clipboard does not hold Flowstate nodes (not JSON).';
  }
  const fragment = value as Partial<ClipboardFragment>;
  if (
    fragment?.flowstate !== 'fragment' ||
    !Array.isArray(fragment.nodes) ||
    !Array.isArray(fragment.edges)
  ) {
    return 'The clipboard does not hold Flowstate nodes.';
  }
  return fragment as ClipboardFragment;
}

/**
 * Adds a fragment to `doc` with fresh ids and names (so it can be pasted twice, or into the
 * workflow it came from), shifted by `offset`; returns the new document and the new ids.
 */
export function pasteFragment(
  doc: Workflow,
  fragment: ClipboardFragment,
  offset = { x: 40, y: 40 },
): { doc: Workflow; ids: string[] } {
  let next = doc;
  const idMap = new Map<string, string>();
  const ids: string[] = [];
  for (const node of fragment.nodes) {
    const id = freshId(next, node.id);
    idMap.set(node.id, id);
    const name = freshName(next, node.name);
    const parentId =
      node.parentId && fragment.nodes.some((n) => n.id === node.parentId)
        ? node.parentId
        : undefined;
    const pasted: WorkflowNode = {
      ...node,
      id,
      name,
      ...(node.position
        ? {
            position: parentId
              ? node.position
              : { x: node.position.x + offset.x, y: node.position.y + offset.y },
          }
        : {}),
    };
    delete pasted.parentId;
    if (parentId) pasted.parentId = parentId; // remapped below
    next = { ...next, nodes: [...next.nodes, pasted] };
    ids.push(id);
  }
  next = {
    ...next,
    nodes: next.nodes.map((n) =>
      ids.includes(n.id) && n.parentId ? { ...n, parentId: idMap.get(n.parentId)! } : n,
    ),
  };
  for (const edge of fragment.edges) {
    const from = idMap.get(edge.from);
    const to = idMap.get(edge.to);
    if (!from || !to) continue;
    next = { ...next, edges: [...next.edges, { ...edge, id: freshEdgeId(next), from, to }] };
  }
  for (const note of fragment.stickyNotes ?? []) {
    const id = freshId(
      {
        ...next,
        nodes: [
          ...next.nodes,
          ...(next.stickyNotes ?? []).map((s) => ({ id: s.id }) as WorkflowNode),
        ],
      },
      note.id,
    );
    next = {
      ...next,
      stickyNotes: [
        ...(next.stickyNotes ?? []),
        { ...note, id, position: { x: note.position.x + offset.x, y: note.position.y + offset.y } },
      ],
    };
    ids.push(id);
  }
  return { doc: next, ids };
}
