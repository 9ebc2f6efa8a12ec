import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { ExecutionRecord } from '../api/types';

const STATUSES = ['', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

/** Executions: filters, cursor pages, and live updates from the global event stream. */
export function ExecutionsPage() {
  const [params, setParams] = useSearchParams();
  const [items, setItems] = useState<ExecutionRecord[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [q, setQ] = useState(params.get('q') ?? '');
  const filters = {
    workflowId: params.get('workflowId') ?? '',
    status: params.get('status') ?? '',
    q: params.get('q') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const query = (cursor?: string) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) {
      if (!v) continue;
      if (k === 'from' || k === 'to') search.set(k, String(new Date(v).getTime()));
      else search.set(k, v);
    }
    search.set('limit', '50');
    if (cursor) search.set('cursor', cursor);
    return `/executions?${search.toString()}`;
  };
  const key = JSON.stringify(filters);
  const load = useCallback(async () => {
    try {
      const page = await api<{ items: ExecutionRecord[]; nextCursor: string | null }>(
        'GET',
        query(),
      );
      setItems(page.items);
      setNext(page.nextCursor);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  useEffect(() => void load(), [load]);

  // Live: status changes update rows in place; new executions of the filter appear on top.
  useEffect(() => {
    const search = new URLSearchParams({ steps: 'false' });
    if (filters.workflowId) search.set('workflowId', filters.workflowId);
    const source = new EventSource(`/api/v1/executions/stream?${search.toString()}`);
    const onExecution = (event: MessageEvent<string>) => {
      const execution = JSON.parse(event.data) as ExecutionRecord;
      setItems((current) => {
        if (!current) return current;
        const index = current.findIndex((e) => e.id === execution.id);
        if (index >= 0) return current.map((e, i) => (i === index ? { ...e, ...execution } : e));
        if (filters.status && execution.status !== filters.status) return current;
        if (filters.q || filters.from || filters.to) return current;
        return [execution, ...current];
      });
    };
    source.addEventListener('execution', onExecution);
    source.addEventListener('reset', () => void load());
    return () => source.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, load]);

  const set = (name: string, value: string) => {
    const nextParams = new URLSearchParams(params);
    if (value) nextParams.set(name, value);
    else nextParams.delete(name);
    setParams(nextParams);
  };

  return (
    <main className="page">
      <h1>Executions</h1>
      <form
        className="toolbar"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          set('q', q);
        }}
      >
        <input
          aria-label="Workflow id"
          placeholder="Workflow id"
          defaultValue={filters.workflowId}
          onBlur={(e) => set('workflowId', e.target.value.trim())}
        />
        <select
          aria-label="Status"
          value={filters.status}
          onChange={(e) => set('status', e.target.value)}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'Any status'}
            </option>
          ))}
        </select>
        <label>
          From{' '}
          <input
            type="datetime-local"
            value={filters.from}
            onChange={(e) => set('from', e.target.value)}
          />
        </label>
        <label>
          To{' '}
          <input
            type="datetime-local"
            value={filters.to}
            onChange={(e) => set('to', e.target.value)}
          />
        </label>
        <input
          type="search"
          aria-label="Text in the trigger input"
          placeholder="Text in the input"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {items === undefined ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No executions match.</p>
      ) : (
        <table className="list" aria-label="Executions">
          <thead>
            <tr>
              <th scope="col">Execution</th>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-testid={`execution-${e.id}`}>
                <td>
                  <Link to={`/executions/${e.id}`} className="mono">
                    {e.id.slice(0, 13)}
                  </Link>
                  {e.parentExecutionId && <span className="tag">sub-workflow</span>}
                  {e.simulate && <span className="tag">simulated</span>}
                </td>
                <td>
                  <Link to={`/workflows/${encodeURIComponent(e.workflowId)}`}>{e.workflowId}</Link>{' '}
                  v{e.workflowVersion}
                </td>
                <td className={`status-${e.status}`}>{e.status}</td>
                <td>{new Date(e.createdAt).toLocaleString()}</td>
                <td>{e.finishedAt ? `${e.finishedAt - e.createdAt} ms` : '…'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button
          type="button"
          onClick={() =>
            void api<{ items: ExecutionRecord[]; nextCursor: string | null }>(
              'GET',
              query(next),
            ).then((page) => {
              setItems((current) => [...(current ?? []), ...page.items]);
              setNext(page.nextCursor);
            })
          }
        >
          Load more
        </button>
      )}
    </main>
  );
}
