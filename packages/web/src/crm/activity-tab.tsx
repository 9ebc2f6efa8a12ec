import { useState, type FormEvent } from 'react';
import { crmApi, fieldErrors, type Activity, type ActivityKind } from '../api/crm';
import { FieldError } from './field-error';
import { useCursorList } from './use-cursor-list';

const KINDS: ActivityKind[] = ['note', 'call', 'email', 'meeting'];

/** A record's activity log, newest first, and a form to log a note, call, email or meeting. */
export function ActivityTab(props: { recordType: string; recordId: string; canEdit: boolean }) {
  const { recordType, recordId, canEdit } = props;
  const list = useCursorList<Activity>('activities', {
    recordType,
    recordId,
    sort: '-occurredAt',
    limit: 50,
  });
  const [kind, setKind] = useState<ActivityKind>('note');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await crmApi.create<Activity>('activities', {
        kind,
        recordType,
        recordId,
        ...(subject.trim() ? { subject: subject.trim() } : {}),
        ...(body.trim() ? { body: body.trim() } : {}),
      });
      setSubject('');
      setBody('');
      setErrors({});
      list.reload();
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  };

  return (
    <div>
      {canEdit && (
        <form
          className="crm-form crm-inline-form"
          aria-label="Log activity"
          onSubmit={(e) => void submit(e)}
        >
          <select
            aria-label="Kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as ActivityKind)}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <input
            aria-label="Subject"
            placeholder="Subject"
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
          />
          <input
            aria-label="Body"
            placeholder="What happened"
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
          <button type="submit" className="primary">
            Log
          </button>
          <FieldError message={Object.values(errors).join('; ')} />
        </form>
      )}
      {list.error && <p className="error-text">{list.error}</p>}
      <ul className="crm-log" aria-label="Activity log">
        {list.items.map((a) => (
          <li key={a.id}>
            <span className="tag">{a.kind}</span> <strong>{a.subject ?? ''}</strong>{' '}
            <span className="muted small">{new Date(a.occurredAt).toLocaleString()}</span>
            {a.body && <div>{a.body}</div>}
          </li>
        ))}
      </ul>
      {list.items.length === 0 && !list.loading && <p className="muted">Nothing logged yet.</p>}
      {list.hasMore && (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      )}
    </div>
  );
}
