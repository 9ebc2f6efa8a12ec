import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { FlowstateError } from '@flowstate/core';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Length of an AES-256 key. */
export const KEY_BYTES = 32;

/** A ciphertext and the id of the key that made it. */
export interface Sealed {
  keyId: string;
  /** base64 of nonce (12 bytes) | tag (16 bytes) | ciphertext. */
  ciphertext: string;
}

/** The id of a key: the first 16 hex digits of its sha256 (so the same key always has the same id). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('flowstate-key-id:').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM with a current key (used to encrypt) and older keys (still accepted to
 * decrypt), each known by its id. Every ciphertext carries its key id and is bound to `aad`
 * (the credential's id and type), so a ciphertext copied onto another row does not decrypt.
 *
 * @example
 * const keyring = new Keyring(currentKey, [previousKey]);
 * const sealed = keyring.seal('{"token":"…"}', 'credential:cred_1:bearer');
 * keyring.open(sealed, 'credential:cred_1:bearer'); // '{"token":"…"}'
 */
export class Keyring {
  readonly currentKeyId: string;
  readonly #keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) {
        throw new FlowstateError(
          'INVALID_SECRET_KEY',
          `An encryption key must be ${KEY_BYTES} bytes, got ${key.length}.`,
        );
      }
      if (!this.#keys.has(keyIdOf(key))) this.#keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = keyIdOf(current);
  }

  /** Ids of every key this ring can decrypt with, current first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts `plaintext` with the current key, bound to `aad`. */
  seal(plaintext: string, aad: string): Sealed {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(this.currentKeyId)!, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      keyId: this.currentKeyId,
      ciphertext: Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64'),
    };
  }

  /**
   * Decrypts a sealed value. Throws `CREDENTIAL_KEY_MISSING` when its key is not configured
   * and `CREDENTIAL_DECRYPT_FAILED` when it was altered or belongs to another `aad`.
   */
  open(sealed: Sealed, aad: string): string {
    const key = this.#keys.get(sealed.keyId);
    if (key === undefined) {
      throw new FlowstateError(
        'CREDENTIAL_KEY_MISSING',
        `Encrypted with key ${sealed.keyId}, which is not configured (known: ${this.keyIds.join(', ')}); set FLOWSTATE_SECRET_KEY_PREVIOUS to the old key.`,
      );
    }
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    try {
      const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new FlowstateError(
        'CREDENTIAL_DECRYPT_FAILED',
        'A ciphertext failed authentication: it was altered, or moved from another credential.',
        { cause: error },
      );
    }
  }
}
