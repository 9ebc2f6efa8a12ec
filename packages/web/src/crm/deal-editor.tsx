import { useState, type FormEvent } from 'react';
import { crmApi, fieldErrors, type Deal } from '../api/crm';
import { ContactSelect } from './contact-select';
import { FieldError } from './field-error';

/** Changes a deal's contact, amount and close date (what the sales stages' rules ask for). */
export function DealEditor({ deal, onSaved }: { deal: Deal; onSaved: (deal: Deal) => void }) {
  const [contactId, setContactId] = useState(deal.contactId);
  const [amount, setAmount] = useState(String(deal.amount));
  const [closeDate, setCloseDate] = useState(deal.closeDate ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      onSaved(
        await crmApi.update<Deal>('deals', deal.id, {
          contactId,
          amount: Number(amount),
          closeDate: closeDate === '' ? null : closeDate,
        }),
      );
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  };

  const prefix = `deal-${deal.id}`;
  return (
    <form
      className="crm-form crm-card-form"
      aria-label={`Edit ${deal.name}`}
      onSubmit={(e) => void submit(e)}
    >
      <label htmlFor={`${prefix}-contact`}>Contact</label>
      <ContactSelect id={`${prefix}-contact`} value={contactId} onChange={setContactId} />
      <FieldError message={errors['contactId']} />
      <label htmlFor={`${prefix}-amount`}>Amount</label>
      <input
        id={`${prefix}-amount`}
        type="number"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
      />
      <FieldError message={errors['amount']} />
      <label htmlFor={`${prefix}-close`}>Close date</label>
      <input
        id={`${prefix}-close`}
        type="date"
        value={closeDate}
        onChange={(e) => setCloseDate(e.target.value)}
      />
      <FieldError message={errors['closeDate'] ?? errors['']} />
      <button type="submit" className="primary">
        Save deal
      </button>
    </form>
  );
}
