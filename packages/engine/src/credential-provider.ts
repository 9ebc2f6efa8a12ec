import type { CredentialValue } from '@flowstate/core';

/** A decrypted credential and the strings that must never reach the journal or logs. */
export interface ResolvedCredential extends CredentialValue {
  /** Secret values and the encodings they travel in (e.g. base64 of `user:password`). */
  readonly secrets: readonly string[];
}

/**
 * Where the engine gets credentials from: the server implements it over the encrypted
 * credential store. Called before each attempt of a node whose credential params are set.
 */
export interface CredentialProvider {
  /** The credential with this id, decrypted; undefined when it does not exist. */
  resolve(id: string): Promise<ResolvedCredential | undefined>;
}
