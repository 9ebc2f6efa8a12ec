import { useCallback, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { crmApi, errorText, type Contact } from '../api/crm';
import { ActivityTab } from './activity-tab';
import { ContactDetailsTab } from './contact-details-tab';
import { RecordTasksTab } from './record-tasks-tab';
import { RunsTab } from './runs-tab';

const TABS = [
  ['details', 'Details'],
  ['activity', 'Activity'],
  ['tasks', 'Tasks'],
  ['runs', 'Workflow runs'],
] as const;
type Tab = (typeof TABS)[number][0];

/** A contact's card: details (editable, custom fields), activity log, tasks, workflow runs. */
export function ContactPage({ canEdit }: { canEdit: boolean }) {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find(([t]) => t === params.get('tab'))?.[0] ?? 'details') as Tab;
  const [contact, setContact] = useState<Contact>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setContact(await crmApi.get<Contact>('contacts', id));
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    }
  }, [id]);
  useEffect(() => void load(), [load]);

  if (error) {
    return (
      <main className="page">
        <p className="error-text">{error}</p>
        <Link to="/crm/contacts">Back to contacts</Link>
      </main>
    );
  }
  if (!contact) return <main className="page muted">Loading…</main>;

  return (
    <main className="page">
      <p>
        <Link to="/crm/contacts">Contacts</Link> /
      </p>
      <h1>{contact.name}</h1>
      <p className="muted">
        {contact.email ?? 'no email'} · score {contact.score}
        {contact.stage ? ` · stage ${contact.stage}` : ''}
        {contact.pipelineId && (
          <>
            {' · '}
            <Link
              to={`/crm/board?pipeline=${encodeURIComponent(contact.pipelineId)}&contact=${encodeURIComponent(contact.id)}`}
            >
              on the board
            </Link>
          </>
        )}
      </p>
      <div className="fs-tabs" role="tablist" aria-label="Contact">
        {TABS.map(([value, label]) => (
          <button
            key={value}
            type="button"
            role="tab"
            aria-selected={tab === value}
            onClick={() => setParams({ tab: value }, { replace: true })}
          >
            {label}
          </button>
        ))}
      </div>
      <section role="tabpanel" aria-label={TABS.find(([t]) => t === tab)?.[1]} className="crm-tab">
        {tab === 'details' && (
          <ContactDetailsTab contact={contact} canEdit={canEdit} onSaved={setContact} />
        )}
        {tab === 'activity' && (
          <ActivityTab recordType="contact" recordId={contact.id} canEdit={canEdit} />
        )}
        {tab === 'tasks' && (
          <RecordTasksTab recordType="contact" recordId={contact.id} canEdit={canEdit} />
        )}
        {tab === 'runs' && <RunsTab collection="contacts" recordId={contact.id} />}
      </section>
    </main>
  );
}
