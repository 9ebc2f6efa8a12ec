/**
 * A stored credential. `ciphertext` is the AES-256-GCM encryption of its JSON data (nonce,
 * tag and ciphertext, base64), made with key `keyId` and bound to `id` and `type` as
 * additional authenticated data; the store never sees the plaintext. `fields` are the
 * non-secret fields, kept in clear so lists need no decryption.
 */
export interface CredentialRecord {
  id: string;
  name: string;
  type: string;
  fields: Record<string, string | number | boolean>;
  keyId: string;
  ciphertext: string;
  createdAt: number;
  updatedAt: number;
}

/** Storage of encrypted credentials. */
export interface CredentialStore {
  /** Inserts a credential; `'name-taken'` when another has the same name. */
  createCredential(record: CredentialRecord): Promise<'ok' | 'name-taken'>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  /** Every credential, by name. */
  listCredentials(): Promise<CredentialRecord[]>;
  /**
   * Replaces a credential's name, fields and ciphertext. With `expectKeyId`, applies only
   * while the stored row is still encrypted with that key (key rotation racing an edit).
   */
  updateCredential(input: {
    record: CredentialRecord;
    expectKeyId?: string;
  }): Promise<'ok' | 'not-found' | 'name-taken' | 'conflict'>;
  deleteCredential(id: string): Promise<boolean>;
}
