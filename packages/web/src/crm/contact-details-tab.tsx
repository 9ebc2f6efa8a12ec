import { useEffect, useState, type FormEvent } from 'react';
import { crmApi, errorText, fieldErrors, type Contact, type FieldDefinition } from '../api/crm';
import { CustomFieldInput } from './custom-field-input';
import { FieldError } from './field-error';

const BASE_FIELDS = [
  ['name', 'Name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['source', 'Source'],
  ['notes', 'Notes'],
] as const;
type BaseField = (typeof BASE_FIELDS)[number][0];

/** The details tab: the contact's fields and its custom fields, saved with one PATCH. */
export function ContactDetailsTab(props: {
  contact: Contact;
  canEdit: boolean;
  onSaved: (contact: Contact) => void;
}) {
  const { contact, canEdit, onSaved } = props;
  const [definitions, setDefinitions] = useState<FieldDefinition[]>([]);
  const [base, setBase] = useState<Record<BaseField, string>>(() => baseOf(contact));
  const [custom, setCustom] = useState<Record<string, unknown>>(contact.custom);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    crmApi
      .fields('contact')
      .then((r) => setDefinitions(r.items))
      .catch((e: unknown) => setErrors({ '': errorText(e) }));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const body: Record<string, unknown> = { custom };
    for (const [key] of BASE_FIELDS) {
      const value = base[key].trim();
      body[key] = key === 'name' ? value : value === '' ? null : value;
    }
    try {
      onSaved(await crmApi.update<Contact>('contacts', contact.id, body));
      setErrors({});
      setSaved(true);
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  };

  return (
    <form className="crm-form" aria-label="Contact details" onSubmit={(e) => void submit(e)}>
      {BASE_FIELDS.map(([key, label]) => (
        <div className="form-row" key={key}>
          <label htmlFor={`detail-${key}`}>{label}</label>
          {key === 'notes' ? (
            <textarea
              id={`detail-${key}`}
              value={base[key]}
              disabled={!canEdit}
              onChange={(e) => setBase({ ...base, [key]: e.target.value })}
            />
          ) : (
            <input
              id={`detail-${key}`}
              value={base[key]}
              disabled={!canEdit}
              aria-invalid={errors[key] ? true : undefined}
              onChange={(e) => setBase({ ...base, [key]: e.target.value })}
            />
          )}
          <FieldError message={errors[key]} />
        </div>
      ))}
      {definitions.length > 0 && <h3>Custom fields</h3>}
      {definitions.map((def) => (
        <div className="form-row" key={def.key}>
          <label htmlFor={`custom-${def.key}`}>
            {def.label}
            {def.required ? ' *' : ''}
          </label>
          <CustomFieldInput
            id={`custom-${def.key}`}
            definition={def}
            value={custom[def.key]}
            disabled={!canEdit}
            onChange={(value) => setCustom({ ...custom, [def.key]: value })}
          />
          <FieldError message={errors[`custom.${def.key}`]} />
        </div>
      ))}
      <FieldError message={errors['']} />
      {canEdit && (
        <button type="submit" className="primary">
          Save
        </button>
      )}
      {saved && (
        <span className="muted" role="status">
          {' '}
          Saved.
        </span>
      )}
    </form>
  );
}

function baseOf(contact: Contact): Record<BaseField, string> {
  return {
    name: contact.name,
    email: contact.email ?? '',
    phone: contact.phone ?? '',
    source: contact.source ?? '',
    notes: contact.notes ?? '',
  };
}
