import { useMemo } from 'react';
import type { Workflow, WorkflowNode } from '../api/types';
import { useEditor } from './store';

interface OutlineRow {
  node: WorkflowNode;
  depth: number;
  /** The port of the edge that led here, when the parent has several. */
  via?: string;
  /** Already listed higher up (a join): shown as a reference. */
  repeat: boolean;
}

/**
 * The workflow as an ordered outline: from each trigger, successors in edge order; a branch
 * (an `if`'s true/false, a switch's cases) is indented under its port; a node reached again (a
 * merge) appears once in full and then as a reference; a loop's body is indented under it.
 */
export function outline(doc: Workflow): OutlineRow[] {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const out = new Map<string, Array<{ to: string; port: string }>>();
  const incoming = new Map<string, number>();
  for (const e of doc.edges) {
    out.set(e.from, [...(out.get(e.from) ?? []), { to: e.to, port: e.port ?? 'out' }]);
    incoming.set(e.to, (incoming.get(e.to) ?? 0) + 1);
  }
  const rows: OutlineRow[] = [];
  const listed = new Set<string>();
  const visit = (id: string, depth: number, via?: string) => {
    const node = byId.get(id);
    if (!node) return;
    if (listed.has(id)) {
      rows.push({ node, depth, repeat: true, ...(via ? { via } : {}) });
      return;
    }
    listed.add(id);
    rows.push({ node, depth, repeat: false, ...(via ? { via } : {}) });
    // A container's body: the nodes inside it that nothing inside feeds.
    for (const child of doc.nodes) {
      if (child.parentId === id && !incoming.has(child.id)) visit(child.id, depth + 1, 'body');
    }
    const next = out.get(id) ?? [];
    const ports = new Set(next.map((n) => n.port));
    for (const { to, port } of next) {
      visit(to, ports.size > 1 ? depth + 1 : depth, ports.size > 1 ? port : undefined);
    }
  };
  for (const node of doc.nodes) {
    if (node.parentId === undefined && !incoming.has(node.id)) visit(node.id, 0);
  }
  // Whatever no root reaches (cycles, stray nodes) is still listed.
  for (const node of doc.nodes) if (!listed.has(node.id)) visit(node.id, 0);
  return rows;
}

/** The list view: the same document as the canvas; selecting here selects there. */
export function ListView() {
  const doc = useEditor((s) => s.doc);
  const selection = useEditor((s) => s.selection);
  const select = useEditor((s) => s.select);
  const rows = useMemo(() => outline(doc), [doc]);
  return (
    <div className="fs-list-view" role="tree" aria-label="Workflow outline">
      {rows.map((row, index) => (
        <div
          key={`${row.node.id}-${index}`}
          role="treeitem"
          aria-level={row.depth + 1}
          aria-selected={selection.has(row.node.id)}
          tabIndex={0}
          className={`fs-outline-row${selection.has(row.node.id) ? ' selected' : ''}${row.repeat ? ' repeat' : ''}`}
          style={{ paddingLeft: 12 + row.depth * 20 }}
          onClick={() => select([row.node.id])}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') select([row.node.id]);
          }}
          data-testid={`outline-${row.node.id}`}
        >
          {row.via && <span className="fs-outline-port">{row.via} →</span>}
          <span className="fs-outline-name">
            {row.repeat ? `↪ ${row.node.name}` : row.node.name}
          </span>
          <span className="muted small"> {row.node.type}</span>
        </div>
      ))}
    </div>
  );
}
