import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import {
  crmApi,
  errorText,
  recordLink,
  type BoardStage,
  type NextAction,
  type Pipeline,
  type Task,
} from '../api/crm';

/** Counts are read from pages of at most this many rows; more shows as "N+". */
const COUNT_CAP = 200;

const KIND_LABELS: Readonly<Record<NextAction['kind'], string>> = {
  'overdue-task': 'Overdue task',
  'due-task': 'Task due',
  'hot-lead': 'Hot lead',
  'stalled-deal': 'Stalled deal',
};

/** What to do now (next best actions with their reasons), open deals by stage, overdue tasks. */
export function DashboardPage() {
  const [actions, setActions] = useState<NextAction[]>();
  const [mineOnly, setMineOnly] = useState(false);
  const [board, setBoard] = useState<{ pipeline: Pipeline; stages: BoardStage[] }>();
  const [overdue, setOverdue] = useState<{ count: number; more: boolean }>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    crmApi
      .nextBestActions({ limit: 30, ...(mineOnly ? { userId: 'me' } : {}) })
      .then((r) => live && setActions(r.items))
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [mineOnly]);

  useEffect(() => {
    let live = true;
    Promise.all([
      crmApi.board('sales', COUNT_CAP),
      crmApi.list<Task>('tasks', { status: 'open', dueAt: `lt:${Date.now()}`, limit: COUNT_CAP }),
    ])
      .then(([b, tasks]) => {
        if (!live) return;
        setBoard(b);
        setOverdue({ count: tasks.items.length, more: tasks.nextCursor !== undefined });
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, []);

  const openStages = board?.pipeline.stages.filter((s) => !s.terminal) ?? [];
  return (
    <main className="page">
      <h1>CRM dashboard</h1>
      {error && <p className="error-text">{error}</p>}
      <div className="crm-dashboard">
        <section className="card" aria-label="Open deals by stage">
          <h2>Open deals by stage</h2>
          <table className="list">
            <tbody>
              {openStages.map((stage) => {
                const column = board?.stages.find((s) => s.stage === stage.id);
                const count = column?.items.length ?? 0;
                return (
                  <tr key={stage.id}>
                    <td>
                      <Link to="/crm/board?pipeline=sales">{stage.name}</Link>
                    </td>
                    <td className="crm-count">
                      {count}
                      {column?.nextCursor ? '+' : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
        <section className="card" aria-label="Overdue tasks">
          <h2>Overdue tasks</h2>
          <p className="crm-big-count">
            <Link to="/crm/tasks?overdue=1&sort=dueAt">
              {overdue ? `${overdue.count}${overdue.more ? '+' : ''}` : '…'}
            </Link>
          </p>
        </section>
      </div>
      <section aria-label="Next best actions">
        <h2>Next best actions</h2>
        <label className="inline">
          <input
            type="checkbox"
            checked={mineOnly}
            onChange={(e) => setMineOnly(e.target.checked)}
          />{' '}
          Only mine
        </label>
        {actions && actions.length === 0 && <p className="muted">Nothing to do right now.</p>}
        <ol className="crm-actions">
          {actions?.map((action) => (
            <li key={`${action.kind}-${action.recordId}`}>
              <span className="tag">{KIND_LABELS[action.kind]}</span>{' '}
              <Link to={recordLink(action.recordType, action.recordId)}>{action.title}</Link>
              <div className="muted small">{action.reason}</div>
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
