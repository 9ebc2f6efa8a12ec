import { useState, type FormEvent } from 'react';
import { crmApi, fieldErrors, type Deal, type Pipeline } from '../api/crm';
import { ContactSelect } from './contact-select';
import { FieldError } from './field-error';

/** Creates a deal in the first stage of a deal pipeline. */
export function DealForm({ pipeline, onCreated }: { pipeline: Pipeline; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [contactId, setContactId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await crmApi.create<Deal>('deals', {
        name: name.trim(),
        pipelineId: pipeline.id,
        ...(amount === '' ? {} : { amount: Number(amount) }),
        ...(contactId ? { contactId } : {}),
      });
      setErrors({});
      onCreated();
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  };

  return (
    <form className="card crm-form" aria-label="New deal" onSubmit={(e) => void submit(e)}>
      <div className="form-row">
        <label htmlFor="deal-name">Deal name</label>
        <input id="deal-name" value={name} onChange={(e) => setName(e.target.value)} />
        <FieldError message={errors['name']} />
      </div>
      <div className="form-row">
        <label htmlFor="deal-amount">Amount</label>
        <input
          id="deal-amount"
          type="number"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <FieldError message={errors['amount']} />
      </div>
      <div className="form-row">
        <label htmlFor="deal-contact">Contact</label>
        <ContactSelect id="deal-contact" value={contactId} onChange={setContactId} />
      </div>
      <FieldError message={errors[''] ?? errors['pipelineId'] ?? errors['stage']} />
      <button type="submit" className="primary">
        Create deal
      </button>
    </form>
  );
}
