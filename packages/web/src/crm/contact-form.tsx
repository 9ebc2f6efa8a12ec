import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { crmApi, fieldErrors, type Contact } from '../api/crm';
import { FieldError } from './field-error';

/** The create-contact form: the API's validation errors appear beside the field they name. */
export function ContactForm({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState({ name: '', email: '', phone: '', source: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const body: Record<string, unknown> = { name: form.name };
      for (const key of ['email', 'phone', 'source'] as const) {
        if (form[key].trim() !== '') body[key] = form[key].trim();
      }
      const contact = await crmApi.create<Contact>('contacts', body);
      setErrors({});
      onCreated();
      void navigate(`/crm/contacts/${encodeURIComponent(contact.id)}`);
    } catch (e) {
      setErrors(fieldErrors(e));
    } finally {
      setBusy(false);
    }
  };

  const input = (key: keyof typeof form, label: string, type = 'text') => (
    <div className="form-row">
      <label htmlFor={`contact-${key}`}>{label}</label>
      <input
        id={`contact-${key}`}
        type={type}
        value={form[key]}
        aria-invalid={errors[key] ? true : undefined}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
      <FieldError message={errors[key]} />
    </div>
  );

  return (
    <form className="card crm-form" aria-label="New contact" onSubmit={(e) => void submit(e)}>
      {input('name', 'Name')}
      {input('email', 'Email')}
      {input('phone', 'Phone')}
      {input('source', 'Source')}
      <FieldError message={errors['']} />
      <button type="submit" className="primary" disabled={busy}>
        Create contact
      </button>
    </form>
  );
}
