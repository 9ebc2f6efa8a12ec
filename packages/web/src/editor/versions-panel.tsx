import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Workflow, WorkflowEdge, WorkflowNode } from '../api/types';

export interface VersionSummary {
  version: number;
  hash: string;
  author: string;
  message?: string;
  createdAt: number;
  draft: boolean;
  published: boolean;
}

interface NodeChange {
  nodeId: string;
}
export interface DiffView {
  from: number;
  to: number;
  diff: {
    nodesAdded: WorkflowNode[];
    nodesRemoved: WorkflowNode[];
    nodesRenamed: NodeChange[];
    nodesMoved: NodeChange[];
    paramsChanged: NodeChange[];
    nodesChanged: NodeChange[];
    edgesAdded: WorkflowEdge[];
    edgesRemoved: WorkflowEdge[];
  };
  changes: Array<{ path: string; message: string }>;
}

/** What the canvas draws while a diff is shown: the newer document plus what it removed. */
export interface DiffOverlay {
  doc: Workflow;
  marks: Map<string, 'added' | 'removed' | 'changed'>;
  summary: DiffView;
}

/** Builds the diff canvas: `to`'s document with `from`'s removed nodes and edges drawn faded. */
export function diffOverlay(to: Workflow, view: DiffView): DiffOverlay {
  const marks = new Map<string, 'added' | 'removed' | 'changed'>();
  for (const n of view.diff.nodesAdded) marks.set(n.id, 'added');
  for (const n of view.diff.nodesRemoved) marks.set(n.id, 'removed');
  for (const list of [
    view.diff.nodesRenamed,
    view.diff.nodesMoved,
    view.diff.paramsChanged,
    view.diff.nodesChanged,
  ]) {
    for (const c of list) if (!marks.has(c.nodeId)) marks.set(c.nodeId, 'changed');
  }
  const removedEdges = view.diff.edgesRemoved.map((e, i) => ({ ...e, id: `removed-${i}-${e.id}` }));
  for (const e of removedEdges) marks.set(e.id, 'removed');
  for (const e of view.diff.edgesAdded) {
    const current = to.edges.find(
      (x) => x.from === e.from && x.to === e.to && (x.port ?? 'out') === (e.port ?? 'out'),
    );
    if (current) marks.set(current.id, 'added');
  }
  return {
    doc: {
      ...to,
      nodes: [...to.nodes, ...view.diff.nodesRemoved],
      edges: [...to.edges, ...removedEdges],
    },
    marks,
    summary: view,
  };
}

/** History of a workflow: versions with author and message, diff, publish and roll back. */
export function VersionsPanel(props: {
  workflowId: string;
  canEdit: boolean;
  refreshKey: number;
  onShowDiff(overlay: DiffOverlay | undefined): void;
  onPublished(): void;
}) {
  const { workflowId } = props;
  const [versions, setVersions] = useState<VersionSummary[]>();
  const [compare, setCompare] = useState<number[]>([]);
  const [error, setError] = useState<string>();
  const [summary, setSummary] = useState<DiffView>();

  const load = useCallback(async () => {
    try {
      const page = await api<{ items: VersionSummary[] }>(
        'GET',
        `/workflows/${encodeURIComponent(workflowId)}/versions?limit=100`,
      );
      setVersions(page.items);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [workflowId]);
  useEffect(() => void load(), [load, props.refreshKey]);

  const publish = async (version: number, rollback: boolean) => {
    setError(undefined);
    if (
      rollback &&
      !window.confirm(`Publish version ${version} again? Triggers will run it from now on.`)
    )
      return;
    try {
      await api('POST', `/workflows/${encodeURIComponent(workflowId)}/publish`, { version });
      await load();
      props.onPublished();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const showDiff = async () => {
    const [a, b] = [...compare].sort((x, y) => x - y);
    if (a === undefined || b === undefined) return;
    setError(undefined);
    try {
      const view = await api<DiffView>(
        'GET',
        `/workflows/${encodeURIComponent(workflowId)}/diff?from=${a}&to=${b}`,
      );
      const to = await api<{ definition: Workflow }>(
        'GET',
        `/workflows/${encodeURIComponent(workflowId)}/versions/${b}`,
      );
      setSummary(view);
      props.onShowDiff(diffOverlay(to.definition, view));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  return (
    <section className="fs-versions" aria-label="Versions">
      <div className="toolbar">
        <button type="button" disabled={compare.length !== 2} onClick={() => void showDiff()}>
          Compare selected
        </button>
        {summary && (
          <button
            type="button"
            onClick={() => {
              setSummary(undefined);
              props.onShowDiff(undefined);
            }}
          >
            Close diff
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {summary && (
        <div className="fs-diff-summary">
          <strong>
            v{summary.from} → v{summary.to}
          </strong>
          <ul aria-label="Differences">
            {summary.changes.length === 0 ? (
              <li>No differences.</li>
            ) : (
              summary.changes.map((c) => <li key={c.path + c.message}>{c.message}</li>)
            )}
          </ul>
        </div>
      )}
      <ol className="fs-version-list">
        {(versions ?? []).map((v) => (
          <li key={v.version} data-testid={`version-${v.version}`}>
            <label>
              <input
                type="checkbox"
                aria-label={`Compare version ${v.version}`}
                checked={compare.includes(v.version)}
                onChange={(e) =>
                  setCompare((c) =>
                    e.target.checked
                      ? [...c, v.version].slice(-2)
                      : c.filter((x) => x !== v.version),
                  )
                }
              />{' '}
              <strong>v{v.version}</strong>
            </label>{' '}
            {v.published && <span className="tag">published</span>}
            {v.draft && <span className="tag">draft</span>}
            <div className="muted small">
              {v.author} · {new Date(v.createdAt).toLocaleString()}
            </div>
            {v.message && <div className="small">{v.message}</div>}
            {props.canEdit && !v.published && (
              <button type="button" onClick={() => void publish(v.version, !v.draft)}>
                {v.draft ? 'Publish' : 'Roll back to this'}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
