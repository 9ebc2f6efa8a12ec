import { useState, type FormEvent } from 'react';
import { crmApi, errorText, fieldErrors, type Task } from '../api/crm';
import { FieldError } from './field-error';
import { PRIORITY_LABELS } from './task-row';
import { useCursorList } from './use-cursor-list';

/** A record's tasks (open first by due date): add one, complete one. */
export function RecordTasksTab(props: { recordType: string; recordId: string; canEdit: boolean }) {
  const { recordType, recordId, canEdit } = props;
  const list = useCursorList<Task>('tasks', { recordType, recordId, sort: 'dueAt', limit: 100 });
  const [title, setTitle] = useState('');
  const [due, setDue] = useState(() =>
    new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
  );
  const [priority, setPriority] = useState(2);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await crmApi.create<Task>('tasks', {
        title: title.trim(),
        dueAt: new Date(`${due}T12:00:00`).getTime(),
        priority,
        recordType,
        recordId,
      });
      setTitle('');
      setErrors({});
      list.reload();
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  };

  const complete = async (task: Task) => {
    try {
      list.replace(await crmApi.update<Task>('tasks', task.id, { status: 'done' }));
    } catch (e) {
      setErrors({ '': errorText(e) });
    }
  };

  return (
    <div>
      {canEdit && (
        <form
          className="crm-form crm-inline-form"
          aria-label="Add task"
          onSubmit={(e) => void add(e)}
        >
          <input
            aria-label="Task title"
            placeholder="Task"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <input
            aria-label="Due date"
            type="date"
            value={due}
            onChange={(e) => setDue(e.target.value)}
          />
          <select
            aria-label="Priority"
            value={priority}
            onChange={(e) => setPriority(Number(e.target.value))}
          >
            {[1, 2, 3, 4].map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABELS[p]}
              </option>
            ))}
          </select>
          <button type="submit" className="primary">
            Add task
          </button>
          <FieldError message={errors['title'] ?? errors['dueAt'] ?? errors['']} />
        </form>
      )}
      {list.error && <p className="error-text">{list.error}</p>}
      <table className="list" aria-label="Tasks of this record">
        <tbody>
          {list.items.map((t) => (
            <tr key={t.id}>
              <td>{t.status === 'done' ? <s>{t.title}</s> : t.title}</td>
              <td>{new Date(t.dueAt).toLocaleDateString()}</td>
              <td>{PRIORITY_LABELS[t.priority]}</td>
              <td>
                {t.status === 'open' && canEdit ? (
                  <button type="button" onClick={() => void complete(t)}>
                    Complete
                  </button>
                ) : (
                  t.status
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.items.length === 0 && !list.loading && <p className="muted">No tasks.</p>}
    </div>
  );
}
