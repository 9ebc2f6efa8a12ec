import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Role } from '../api/types';
import { recentWorkflows } from '../components/recent';

/** A row of `GET /workflows`. */
export interface WorkflowSummary {
  id: string;
  name: string;
  active: boolean;
  draftVersion: number;
  publishedVersion?: number;
  tags?: string[];
  updatedAt: number;
}

const canEdit = (role: Role) => role !== 'viewer';

/** The workflow list: search, tag filter, activation toggles, bulk actions, recent ones. */
export function WorkflowsPage({ role }: { role: Role }) {
  const [items, setItems] = useState<WorkflowSummary[]>();
  const [error, setError] = useState<string>();
  const [query, setQuery] = useState('');
  const [tag, setTag] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const navigate = useNavigate();

  const load = useCallback(async () => {
    try {
      setItems((await api<{ items: WorkflowSummary[] }>('GET', '/workflows')).items);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const tags = useMemo(
    () => [...new Set((items ?? []).flatMap((w) => w.tags ?? []))].sort(),
    [items],
  );
  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (items ?? []).filter(
      (w) =>
        (q === '' || w.name.toLowerCase().includes(q) || w.id.toLowerCase().includes(q)) &&
        (tag === '' || (w.tags ?? []).includes(tag)),
    );
  }, [items, query, tag]);
  const recent = recentWorkflows().filter((r) => items?.some((w) => w.id === r.id));

  const setActive = async (ids: string[], active: boolean) => {
    setError(undefined);
    const failures: string[] = [];
    for (const id of ids) {
      try {
        await api(
          'POST',
          `/workflows/${encodeURIComponent(id)}/${active ? 'activate' : 'deactivate'}`,
        );
      } catch (e) {
        failures.push(`${id}: ${e instanceof ApiError ? e.message : String(e)}`);
      }
    }
    if (failures.length > 0) setError(failures.join('\n'));
    await load();
  };

  const create = async () => {
    const name = window.prompt('Name of the new workflow');
    if (!name) return;
    try {
      const view = await api<{ id: string }>('POST', '/workflows', {
        schemaVersion: 1,
        name,
        nodes: [
          {
            id: 'trigger',
            name: 'Manual trigger',
            type: 'trigger.manual',
            params: {},
            position: { x: 0, y: 0 },
          },
        ],
        edges: [],
      });
      void navigate(`/workflows/${encodeURIComponent(view.id)}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const toggleSelected = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <main className="page">
      <h1>Workflows</h1>
      {recent.length > 0 && (
        <p aria-label="Recent workflows">
          Recent:{' '}
          {recent.map((r) => (
            <Link
              key={r.id}
              to={`/workflows/${encodeURIComponent(r.id)}`}
              style={{ marginRight: 12 }}
            >
              {r.name}
            </Link>
          ))}
        </p>
      )}
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search workflows"
          aria-label="Search workflows"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <select aria-label="Filter by tag" value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">All tags</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        {canEdit(role) && (
          <>
            <button
              type="button"
              disabled={selected.size === 0}
              onClick={() => void setActive([...selected], true)}
            >
              Enable selected
            </button>
            <button
              type="button"
              disabled={selected.size === 0}
              onClick={() => void setActive([...selected], false)}
            >
              Disable selected
            </button>
            <button type="button" className="primary" onClick={() => void create()}>
              New workflow
            </button>
          </>
        )}
      </div>
      {error && (
        <pre role="alert" className="error-text">
          {error}
        </pre>
      )}
      {items === undefined ? (
        <p className="muted">Loading…</p>
      ) : visible.length === 0 ? (
        <p className="muted">{items.length === 0 ? 'No workflows yet.' : 'Nothing matches.'}</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Select</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Tags</th>
              <th scope="col">Versions</th>
              <th scope="col">Active</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((w) => (
              <tr key={w.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${w.name}`}
                    checked={selected.has(w.id)}
                    onChange={() => toggleSelected(w.id)}
                  />
                </td>
                <td>
                  <Link to={`/workflows/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                  <div className="muted mono">{w.id}</div>
                </td>
                <td>
                  {(w.tags ?? []).map((t) => (
                    <span key={t} className="tag">
                      {t}
                    </span>
                  ))}
                </td>
                <td>
                  draft v{w.draftVersion}
                  {w.publishedVersion === undefined
                    ? ', unpublished'
                    : `, published v${w.publishedVersion}`}
                </td>
                <td>
                  <label>
                    <input
                      type="checkbox"
                      role="switch"
                      aria-label={`Active: ${w.name}`}
                      checked={w.active}
                      disabled={!canEdit(role)}
                      onChange={(e) => void setActive([w.id], e.target.checked)}
                    />{' '}
                    {w.active ? 'On' : 'Off'}
                  </label>
                </td>
                <td>{new Date(w.updatedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
