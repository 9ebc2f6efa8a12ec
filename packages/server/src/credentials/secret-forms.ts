import { secretCredentialValues, type CredentialData } from '@flowstate/core';

/**
 * The strings to redact for a credential: each secret value, its URL-encoded form, and the
 * encodings it travels in (base64 of `user:password` for basic auth and OAuth2 client
 * authentication, the password inside a database URL), so an echo of the request in a
 * response or an error does not reach the journal either.
 */
export function secretForms(type: string, data: CredentialData): string[] {
  const forms = new Set<string>();
  const add = (value: string | undefined) => {
    if (value === undefined || value === '') return;
    forms.add(value);
    forms.add(encodeURIComponent(value));
  };
  for (const value of secretCredentialValues(type, data)) add(value);
  const str = (field: string) => (typeof data[field] === 'string' ? data[field] : undefined);
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  if (type === 'basic') add(base64(`${str('username') ?? ''}:${str('password') ?? ''}`));
  if (type === 'oauth2-client-credentials')
    add(base64(`${str('clientId') ?? ''}:${str('clientSecret') ?? ''}`));
  if (type === 'smtp' && str('password') !== undefined)
    add(base64(`\u0000${str('username') ?? ''}\u0000${str('password')}`));
  if (type === 'database-url') {
    try {
      const url = new URL(str('url') ?? '');
      add(url.password);
      add(decodeURIComponent(url.password));
    } catch {
      // not a URL: the whole value is redacted already
    }
  }
  return [...forms];
}
