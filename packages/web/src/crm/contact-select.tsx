import { useEffect, useState } from 'react';
import { crmApi, errorText, type Contact } from '../api/crm';

/** A select of contacts (by name; the first 200), for linking a deal to its contact. */
export function ContactSelect(props: {
  id: string;
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const { id, value, onChange } = props;
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    crmApi
      .list<Contact>('contacts', { sort: 'name', limit: 200 })
      .then((page) => setContacts(page.items))
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  return (
    <>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">(none)</option>
        {contacts.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
            {c.email ? ` <${c.email}>` : ''}
          </option>
        ))}
      </select>
      {error && <span className="error-text">{error}</span>}
    </>
  );
}
