import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { crmApi, errorText, type CrmCollection, type RunLink } from '../api/crm';

/** Workflow executions that touched a record: started by its events or written by a step. */
export function RunsTab(props: { collection: CrmCollection; recordId: string; compact?: boolean }) {
  const { collection, recordId, compact = false } = props;
  const [runs, setRuns] = useState<RunLink[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    const load = () =>
      crmApi
        .runs(collection, recordId)
        .then((r) => live && setRuns(r.items))
        .catch((e: unknown) => live && setError(errorText(e)));
    void load();
    // Runs start in the background after a change: look again for a while.
    const timer = setInterval(() => void load(), 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [collection, recordId]);

  if (error) return <p className="error-text">{error}</p>;
  if (!runs) return <p className="muted">Loading…</p>;
  if (runs.length === 0) return <p className="muted">No workflow has touched this record yet.</p>;
  if (compact) {
    return (
      <ul className="crm-runs" aria-label="Workflow runs">
        {runs.map((run) => (
          <li key={`${run.executionId}-${run.source}`}>
            <Link to={`/executions/${encodeURIComponent(run.executionId)}`}>{run.workflowId}</Link>{' '}
            <span className={run.status ? `status-${run.status}` : 'muted'}>
              {run.status ?? 'pruned'}
            </span>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <table className="list" aria-label="Workflow runs">
      <thead>
        <tr>
          <th>Execution</th>
          <th>Workflow</th>
          <th>How</th>
          <th>Status</th>
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={`${run.executionId}-${run.source}`}>
            <td>
              <Link className="mono" to={`/executions/${encodeURIComponent(run.executionId)}`}>
                {run.executionId.slice(0, 12)}
              </Link>
            </td>
            <td>
              <Link to={`/workflows/${encodeURIComponent(run.workflowId)}`}>{run.workflowId}</Link>
            </td>
            <td>{run.source === 'trigger' ? 'started by its change' : 'a step wrote it'}</td>
            <td className={run.status ? `status-${run.status}` : 'muted'}>
              {run.status ?? 'pruned'}
            </td>
            <td>{new Date(run.createdAt).toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
