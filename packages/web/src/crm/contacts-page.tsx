import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { crmApi, errorText, type Contact, type SearchHit } from '../api/crm';
import { ContactForm } from './contact-form';
import { useCursorList } from './use-cursor-list';

/** Contacts: full-text search, a cursor-paged list ("Load more"), and the create form. */
export function ContactsPage({ canEdit }: { canEdit: boolean }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SearchHit[]>();
  const [searchError, setSearchError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const list = useCursorList<Contact>('contacts', { sort: '-createdAt', limit: 50 });

  useEffect(() => {
    const text = q.trim();
    if (text === '') {
      setHits(undefined);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      crmApi
        .search(text, 'contact')
        .then((result) => live && (setHits(result.items), setSearchError(undefined)))
        .catch((e: unknown) => live && setSearchError(errorText(e)));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);

  return (
    <main className="page">
      <h1>Contacts</h1>
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search names, emails, notes"
          aria-label="Search contacts"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        {canEdit && (
          <button type="button" className="primary" onClick={() => setCreating((c) => !c)}>
            {creating ? 'Close form' : 'New contact'}
          </button>
        )}
      </div>
      {creating && <ContactForm onCreated={() => (setCreating(false), list.reload())} />}
      {searchError && <p className="error-text">{searchError}</p>}
      {list.error && <p className="error-text">{list.error}</p>}
      {hits ? (
        <table className="list" aria-label="Search results">
          <tbody>
            {hits.length === 0 && (
              <tr>
                <td className="muted">No contact matches “{q}”.</td>
              </tr>
            )}
            {hits.map((hit) => (
              <tr key={hit.id}>
                <td>
                  <Link to={`/crm/contacts/${encodeURIComponent(hit.id)}`}>{hit.title}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <>
          <table className="list" aria-label="Contacts">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Stage</th>
                <th>Score</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/crm/contacts/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                  </td>
                  <td>{c.email ?? ''}</td>
                  <td>{c.stage ?? ''}</td>
                  <td>{c.score}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.items.length === 0 && !list.loading && <p className="muted">No contacts yet.</p>}
          {list.hasMore && (
            <button type="button" disabled={list.loading} onClick={list.loadMore}>
              {list.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </main>
  );
}
