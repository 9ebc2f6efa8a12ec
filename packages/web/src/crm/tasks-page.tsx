import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { crmApi, errorText, type Task } from '../api/crm';
import { TaskFocus } from './task-focus';
import { PRIORITY_LABELS, TASK_ROW_HEIGHT, TaskRow } from './task-row';
import { useCursorList } from './use-cursor-list';
import { useWindow } from './use-window';

const SORTS = [
  ['dueAt', 'Due first'],
  ['-dueAt', 'Due last'],
  ['-priority', 'Highest priority'],
  ['-createdAt', 'Newest'],
] as const;

/** Rows left below the window when the next page is fetched. */
const PREFETCH_ROWS = 100;

/**
 * The task list: mine / overdue / priority / status filters and a sort, all on indexed
 * fields; pages fetched by cursor as the list scrolls; only the rows in view are rendered,
 * so 100,000 tasks scroll like 50.
 */
export function TasksPage({ userId, canEdit }: { userId: string; canEdit: boolean }) {
  const [params, setParams] = useSearchParams();
  const mine = params.get('mine') === '1';
  const overdue = params.get('overdue') === '1';
  const priority = params.get('priority') ?? '';
  const status = params.get('status') ?? 'open';
  const sort = params.get('sort') ?? 'dueAt';
  // "Now" for the overdue filter is fixed when the filter is chosen, so pages agree.
  const [now] = useState(() => Date.now());
  const [actionError, setActionError] = useState<string>();

  const list = useCursorList<Task>('tasks', {
    sort,
    limit: 500,
    status: status === 'all' ? undefined : status,
    priority: priority || undefined,
    assigneeId: mine ? userId : undefined,
    dueAt: overdue ? `lt:${now}` : undefined,
  });
  const { ref, range } = useWindow({ count: list.items.length, rowHeight: TASK_ROW_HEIGHT });
  const { hasMore, loading, loadMore } = list;

  useEffect(() => {
    if (hasMore && !loading && range.end + PREFETCH_ROWS >= list.items.length) loadMore();
  }, [hasMore, loading, loadMore, range.end, list.items.length]);

  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const { replace } = list;
  const complete = useCallback(
    async (task: Task) => {
      try {
        replace(await crmApi.update<Task>('tasks', task.id, { status: 'done' }));
      } catch (e) {
        setActionError(errorText(e));
      }
    },
    [replace],
  );
  const onComplete = useCallback((task: Task) => void complete(task), [complete]);

  return (
    <main className="page crm-tasks-page">
      <h1>Tasks</h1>
      <div className="toolbar" role="group" aria-label="Task filters">
        <label className="inline">
          <input
            type="checkbox"
            checked={mine}
            onChange={(e) => set('mine', e.target.checked ? '1' : '')}
          />{' '}
          Mine
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={overdue}
            onChange={(e) => set('overdue', e.target.checked ? '1' : '')}
          />{' '}
          Overdue
        </label>
        <select
          aria-label="Priority"
          value={priority}
          onChange={(e) => set('priority', e.target.value)}
        >
          <option value="">Any priority</option>
          {[4, 3, 2, 1].map((p) => (
            <option key={p} value={p}>
              {PRIORITY_LABELS[p]}
            </option>
          ))}
        </select>
        <select aria-label="Status" value={status} onChange={(e) => set('status', e.target.value)}>
          {['open', 'done', 'cancelled', 'all'].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select aria-label="Sort" value={sort} onChange={(e) => set('sort', e.target.value)}>
          {SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <span className="muted" role="status" aria-label="Loaded tasks">
          {list.items.length.toLocaleString('en')} loaded
          {list.hasMore ? (list.loading ? ', loading more…' : ', more below') : ', all loaded'}
        </span>
      </div>
      {params.get('task') && <TaskFocus id={params.get('task')!} canEdit={canEdit} />}
      {(list.error ?? actionError) && <p className="error-text">{list.error ?? actionError}</p>}
      <div
        className="crm-task-grid"
        role="table"
        aria-label="Task list"
        aria-rowcount={list.items.length + 1}
      >
        <div className="crm-task-row crm-task-head" role="row" aria-rowindex={1}>
          {['Task', 'Due', 'Priority', 'Status', 'Record', ''].map((h) => (
            <span role="columnheader" key={h}>
              {h}
            </span>
          ))}
        </div>
        <div className="crm-task-scroll" ref={ref} data-testid="task-scroll">
          <div style={{ height: range.before }} />
          {list.items.slice(range.start, range.end).map((task, i) => (
            <TaskRow
              key={task.id}
              task={task}
              index={range.start + i}
              now={now}
              canEdit={canEdit}
              onComplete={onComplete}
            />
          ))}
          <div style={{ height: range.after }} />
          {!list.loading && list.items.length === 0 && <p className="muted">No tasks match.</p>}
        </div>
      </div>
    </main>
  );
}
