import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { crmApi, errorText, recordLink, type Task } from '../api/crm';
import { PRIORITY_LABELS } from './task-row';

/** One task picked from elsewhere (a next best action): its facts, its record, complete it. */
export function TaskFocus({ id, canEdit }: { id: string; canEdit: boolean }) {
  const [task, setTask] = useState<Task>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    crmApi
      .get<Task>('tasks', id)
      .then(setTask)
      .catch((e: unknown) => setError(errorText(e)));
  }, [id]);

  if (error) return <p className="error-text">{error}</p>;
  if (!task) return null;
  const complete = () =>
    crmApi
      .update<Task>('tasks', task.id, { status: 'done' })
      .then(setTask)
      .catch((e: unknown) => setError(errorText(e)));
  return (
    <section className="card crm-task-focus" aria-label="Selected task">
      <strong>{task.title}</strong> · due {new Date(task.dueAt).toLocaleString()} ·{' '}
      {PRIORITY_LABELS[task.priority]} · {task.status}
      {task.recordType && task.recordId && (
        <>
          {' · '}
          <Link to={recordLink(task.recordType, task.recordId)}>open its {task.recordType}</Link>
        </>
      )}
      {task.notes && <div className="muted">{task.notes}</div>}
      {canEdit && task.status === 'open' && (
        <div>
          <button type="button" onClick={() => void complete()}>
            Complete
          </button>
        </div>
      )}
    </section>
  );
}
