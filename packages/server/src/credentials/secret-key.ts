import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { Keyring, KEY_BYTES } from './keyring.js';

/** File in the data folder holding the generated key when `FLOWSTATE_SECRET_KEY` is unset. */
export const SECRET_KEY_FILE = 'secret.key';

/** Reads a 32-byte key written as base64 (44 characters) or hex (64 digits). */
export function parseSecretKey(text: string, variable: string): Buffer {
  const value = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(value)
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, 'base64')
      : undefined;
  if (key?.length !== KEY_BYTES) {
    throw new ConfigError(
      variable,
      `must be ${KEY_BYTES} random bytes as base64 or hex (e.g. the output of "openssl rand -base64 32")`,
    );
  }
  return key;
}

/** Where the keys come from. */
export interface SecretKeySources {
  /** `FLOWSTATE_SECRET_KEY`. */
  current?: string;
  /** `FLOWSTATE_SECRET_KEY_PREVIOUS`: comma-separated older keys, still accepted to decrypt. */
  previous?: string;
  /** The data folder: its `secret.key` is used (created on first start) when `current` is unset. */
  dataDir: string;
}

/**
 * Builds the keyring. With `FLOWSTATE_SECRET_KEY` set, that key encrypts, and the data folder's
 * generated key (if one exists) stays readable, so moving from a generated key to a configured
 * one needs no other step. Without it, `<dataDir>/secret.key` is read, or created once with
 * mode 0600. Keys in `FLOWSTATE_SECRET_KEY_PREVIOUS` are accepted to decrypt.
 */
export function loadKeyring(sources: SecretKeySources): Keyring {
  const previous = (sources.previous ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => parseSecretKey(part, 'FLOWSTATE_SECRET_KEY_PREVIOUS'));
  const file = join(sources.dataDir, SECRET_KEY_FILE);
  if (sources.current !== undefined && sources.current.trim() !== '') {
    const current = parseSecretKey(sources.current, 'FLOWSTATE_SECRET_KEY');
    const generated = existsSync(file) ? [readKeyFile(file)] : [];
    return new Keyring(current, [...previous, ...generated]);
  }
  return new Keyring(
    existsSync(file) ? readKeyFile(file) : createKeyFile(sources.dataDir),
    previous,
  );
}

function readKeyFile(file: string): Buffer {
  return parseSecretKey(readFileSync(file, 'utf8'), file);
}

/** Writes a new random key, readable by this user only; never overwrites an existing file. */
function createKeyFile(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SECRET_KEY_FILE);
  const key = randomBytes(KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file);
    throw error;
  }
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  return key;
}
