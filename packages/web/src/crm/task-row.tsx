import { memo } from 'react';
import { Link } from 'react-router';
import { recordLink, type Task } from '../api/crm';

/** Labels of task priorities 1-4. */
export const PRIORITY_LABELS: Readonly<Record<number, string>> = {
  1: 'low',
  2: 'normal',
  3: 'high',
  4: 'urgent',
};

/** Height of one task row in pixels (the windowed list needs fixed heights). */
export const TASK_ROW_HEIGHT = 36;

/** One row of the task list. */
export const TaskRow = memo(function TaskRow(props: {
  task: Task;
  index: number;
  now: number;
  canEdit: boolean;
  onComplete: (task: Task) => void;
}) {
  const { task, index, now, canEdit, onComplete } = props;
  const overdue = task.status === 'open' && task.dueAt < now;
  return (
    <div
      className={`crm-task-row${overdue ? ' overdue' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      style={{ height: TASK_ROW_HEIGHT }}
    >
      <span role="cell" className="crm-task-title">
        {task.title}
      </span>
      <span role="cell">{new Date(task.dueAt).toLocaleString()}</span>
      <span role="cell" className={`crm-priority-${task.priority}`}>
        {PRIORITY_LABELS[task.priority] ?? task.priority}
      </span>
      <span role="cell">{task.status}</span>
      <span role="cell">
        {task.recordType && task.recordId ? (
          <Link to={recordLink(task.recordType, task.recordId)}>{task.recordType}</Link>
        ) : (
          ''
        )}
      </span>
      <span role="cell">
        {canEdit && task.status === 'open' && (
          <button type="button" onClick={() => onComplete(task)}>
            Complete
          </button>
        )}
      </span>
    </div>
  );
});
