import { create } from 'zustand';
import type { Workflow, WorkflowEdge, WorkflowNode } from '../api/types';

/** Undo history kept per editor session (the issue asks for at least 100 steps). */
export const HISTORY_LIMIT = 200;

export interface EditorState {
  workflowId: string | undefined;
  /** The document being edited: the one source of truth of the canvas and the list view. */
  doc: Workflow;
  /** The draft version the document was loaded from or last saved as (optimistic concurrency). */
  baseVersion: number | undefined;
  /** True when the document differs from the last saved version. */
  dirty: boolean;
  selection: ReadonlySet<string>;
  past: Workflow[];
  future: Workflow[];
  /** Replaces the document (load or save): clears history when it is another workflow. */
  load(workflowId: string, doc: Workflow, version: number): void;
  markSaved(version: number): void;
  /** Applies an edit; one call is one undo step. */
  change(edit: (doc: Workflow) => Workflow): void;
  undo(): void;
  redo(): void;
  select(ids: Iterable<string>): void;
}

const EMPTY: Workflow = { schemaVersion: 1, name: 'Untitled', nodes: [], edges: [] };

export const useEditor = create<EditorState>((set, get) => ({
  workflowId: undefined,
  doc: EMPTY,
  baseVersion: undefined,
  dirty: false,
  selection: new Set(),
  past: [],
  future: [],
  load(workflowId, doc, version) {
    const same = get().workflowId === workflowId;
    set({
      workflowId,
      doc,
      baseVersion: version,
      dirty: false,
      ...(same ? {} : { past: [], future: [], selection: new Set<string>() }),
    });
  },
  markSaved(version) {
    set({ baseVersion: version, dirty: false });
  },
  change(edit) {
    const { doc, past } = get();
    const next = edit(doc);
    if (next === doc) return;
    set({
      doc: next,
      dirty: true,
      past: [...past, doc].slice(-HISTORY_LIMIT),
      future: [],
    });
  },
  undo() {
    const { past, doc, future } = get();
    const previous = past.at(-1);
    if (!previous) return;
    set({ doc: previous, past: past.slice(0, -1), future: [doc, ...future], dirty: true });
  },
  redo() {
    const { past, doc, future } = get();
    const next = future[0];
    if (!next) return;
    set({ doc: next, past: [...past, doc], future: future.slice(1), dirty: true });
  },
  select(ids) {
    set({ selection: new Set(ids) });
  },
}));

// ---- pure edits of the document -------------------------------------------------------

/** A node id not used in `doc`, from a node type (`http.request` → `http_request_2`). */
export function freshId(doc: Workflow, base: string): string {
  const stem = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'node';
  const taken = new Set(doc.nodes.map((n) => n.id));
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

/** A node name not used in `doc` (names are unique: expressions refer to them). */
export function freshName(doc: Workflow, base: string): string {
  const taken = new Set(doc.nodes.map((n) => n.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`;
}

export function freshEdgeId(doc: Workflow): string {
  const taken = new Set(doc.edges.map((e) => e.id));
  for (let i = doc.edges.length + 1; ; i++) if (!taken.has(`e${i}`)) return `e${i}`;
}

export function addNode(doc: Workflow, node: WorkflowNode): Workflow {
  return { ...doc, nodes: [...doc.nodes, node] };
}

export function updateNode(doc: Workflow, id: string, patch: Partial<WorkflowNode>): Workflow {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === id ? ({ ...n, ...patch } as WorkflowNode) : n)),
  };
}

/** Renames a node and rewrites `$steps.Old` / `$steps["Old"]` references in every param. */
export function renameNode(doc: Workflow, id: string, name: string): Workflow {
  const old = doc.nodes.find((n) => n.id === id)?.name;
  if (old === undefined || old === name) return doc;
  const escaped = old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const dotted = new RegExp(`\\$steps\\.${escaped}(?![A-Za-z0-9_])`, 'g');
  const quoted = new RegExp(`\\$steps\\[(["'])${escaped}\\1\\]`, 'g');
  const simple = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value
        .replace(dotted, simple ? `$steps.${name}` : `$steps["${name}"]`)
        .replace(quoted, `$steps["${name}"]`);
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  return {
    ...doc,
    nodes: doc.nodes.map((n) =>
      n.id === id ? { ...n, name } : { ...n, params: rewrite(n.params) as WorkflowNode['params'] },
    ),
  };
}

/** Removes nodes (and what sits inside removed containers) with their edges. */
export function removeNodes(doc: Workflow, ids: Iterable<string>): Workflow {
  const gone = new Set(ids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of doc.nodes) {
      if (n.parentId !== undefined && gone.has(n.parentId) && !gone.has(n.id)) {
        gone.add(n.id);
        grew = true;
      }
    }
  }
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !gone.has(n.id)),
    edges: doc.edges.filter((e) => !gone.has(e.from) && !gone.has(e.to) && !gone.has(e.id)),
    stickyNotes: (doc.stickyNotes ?? []).filter((s) => !gone.has(s.id)),
  };
}

export function addEdge(doc: Workflow, edge: Omit<WorkflowEdge, 'id'>): Workflow {
  const exists = doc.edges.some(
    (e) => e.from === edge.from && e.to === edge.to && (e.port ?? 'out') === (edge.port ?? 'out'),
  );
  if (exists) return doc;
  const id = freshEdgeId(doc);
  return {
    ...doc,
    edges: [
      ...doc.edges,
      {
        id,
        from: edge.from,
        to: edge.to,
        ...(edge.port && edge.port !== 'out' ? { port: edge.port } : {}),
      },
    ],
  };
}

export function removeEdges(doc: Workflow, ids: Iterable<string>): Workflow {
  const gone = new Set(ids);
  return { ...doc, edges: doc.edges.filter((e) => !gone.has(e.id)) };
}

/** True when an edge from `from` to `to` would close a cycle (loops are drawn as containers). */
export function wouldCycle(doc: Workflow, from: string, to: string): boolean {
  if (from === to) return true;
  const next = new Map<string, string[]>();
  for (const e of doc.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const stack = [to];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === from) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}
