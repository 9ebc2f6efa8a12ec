import { NonRetriableError, type CredentialValue } from '@flowstate/sdk';

/** Credential types `http.request` can send. */
export const HTTP_CREDENTIAL_TYPES = ['header', 'bearer', 'basic'] as const;

/**
 * The headers a credential adds to a request: `header` sets its header, `bearer` sends
 * `Authorization: Bearer <token>`, `basic` sends `Authorization: Basic base64(user:password)`.
 */
export function credentialHeaders(credential: CredentialValue): Record<string, string> {
  const { data } = credential;
  switch (credential.type) {
    case 'header':
      return { [String(data['name'])]: String(data['value']) };
    case 'bearer':
      return { Authorization: `Bearer ${String(data['token'])}` };
    case 'basic': {
      const pair = `${String(data['username'])}:${String(data['password'])}`;
      return { Authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
    }
    default:
      throw new NonRetriableError(
        `Credential "${credential.name}" is of type ${credential.type}; http.request sends ${HTTP_CREDENTIAL_TYPES.join(', ')}`,
        { code: 'CREDENTIAL_TYPE_MISMATCH' },
      );
  }
}

/** `headers` with `added` set, replacing any header of the same name whatever its case. */
export function withHeaders(
  headers: Record<string, string> | undefined,
  added: Record<string, string>,
): Record<string, string> {
  const names = new Set(Object.keys(added).map((name) => name.toLowerCase()));
  const kept = Object.entries(headers ?? {}).filter(([name]) => !names.has(name.toLowerCase()));
  return { ...Object.fromEntries(kept), ...added };
}
