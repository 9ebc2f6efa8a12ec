import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { NonRetriableError } from '@flowstate/sdk';

/** One parsed mailbox: `Name <address>` or a bare address. */
export interface Mailbox {
  name: string;
  address: string;
}

const emailAddress = z.email();

/** Thrown for an address param that does not parse; the workflow must be fixed, so no retry. */
export class InvalidAddressError extends NonRetriableError {
  override name = 'InvalidAddressError';
  constructor(
    readonly field: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${field}: "${value}" ${reason}`, { code: 'INVALID_EMAIL_ADDRESS' });
  }
}

/**
 * Parses an address field: a string (which may hold a comma-separated list such as
 * `Ann <ann@example.com>, bob@example.com`) or an array of such strings. Every mailbox must
 * have a valid address; groups are flattened. Errors name the field and, for arrays, the index.
 *
 * @example
 * ```ts
 * parseAddressList('to', ['Ann <ann@example.com>', 'bob@example.com']);
 * // [{ name: 'Ann', address: 'ann@example.com' }, { name: '', address: 'bob@example.com' }]
 * ```
 */
export function parseAddressList(
  field: string,
  value: string | readonly string[] | undefined,
): Mailbox[] {
  if (value === undefined) return [];
  const entries = typeof value === 'string' ? [value] : value;
  const mailboxes: Mailbox[] = [];
  entries.forEach((entry, index) => {
    const where = typeof value === 'string' ? field : `${field}[${index}]`;
    if (/[\r\n]/.test(entry)) throw new InvalidAddressError(where, entry, 'contains a line break');
    const parsed = addressparser(entry, { flatten: true });
    if (parsed.length === 0 && entry.trim() !== '') {
      throw new InvalidAddressError(where, entry, 'is not an email address');
    }
    for (const mailbox of parsed) {
      const address = mailbox.address ?? '';
      if (!emailAddress.safeParse(address).success) {
        const shown = address === '' ? mailbox.name : address;
        throw new InvalidAddressError(where, shown, 'is not a valid email address');
      }
      mailboxes.push({ name: mailbox.name, address });
    }
  });
  return mailboxes;
}

/** The mailbox as a header value: `"Name" <address>` or the bare address. */
export function formatMailbox(mailbox: Mailbox): string {
  if (mailbox.name === '') return mailbox.address;
  return `"${mailbox.name.replace(/["\\]/g, '\\$&')}" <${mailbox.address}>`;
}
