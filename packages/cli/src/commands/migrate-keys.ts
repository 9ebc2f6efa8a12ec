import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf, parseSecretKey, SECRET_KEY_FILE } from '@flowstate/server';
import { CliError } from '../io.js';

/** A key the migration can name, and where it was found. */
interface KnownKey {
  /** The key as base64 (what `FLOWSTATE_SECRET_KEY` accepts). */
  text: string;
  source: 'FLOWSTATE_SECRET_KEY' | 'FLOWSTATE_SECRET_KEY_PREVIOUS' | 'file';
}

/** The keys the PostgreSQL servers need to decrypt the migrated credentials. */
export interface KeyPlan {
  /** Lines telling the operator what to set, ready to print. */
  lines: string[];
  /** `FLOWSTATE_SECRET_KEY` the servers need (undefined: any new key). */
  secretKey?: string;
  /** `FLOWSTATE_SECRET_KEY_PREVIOUS` they need besides (undefined: none). */
  previous?: string;
}

/**
 * Works out which `FLOWSTATE_SECRET_KEY` (and `FLOWSTATE_SECRET_KEY_PREVIOUS`) the PostgreSQL
 * servers need so that every copied credential still decrypts: credential rows carry the id of
 * the key that sealed them, matched here against the data folder's generated `secret.key` and
 * the keys set in the environment. A PostgreSQL server has no data folder key to fall back on
 * (it must have `FLOWSTATE_SECRET_KEY`), so when a key cannot be found or read, the migration
 * is refused (`CliError`) naming the credentials it would strand.
 */
export function planKeys(input: {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Credential names per key id, from the source. */
  credentialKeys: Map<string, string[]>;
}): KeyPlan {
  const known = new Map<string, KnownKey>();
  const remember = (text: string, variable: string, source: KnownKey['source']) => {
    let key: Buffer;
    try {
      key = parseSecretKey(text, variable);
    } catch (error) {
      throw new CliError(`${(error as Error).message}`);
    }
    if (!known.has(keyIdOf(key))) known.set(keyIdOf(key), { text: key.toString('base64'), source });
    return keyIdOf(key);
  };
  const current = input.env['FLOWSTATE_SECRET_KEY']?.trim();
  const currentId =
    current === undefined || current === ''
      ? undefined
      : remember(current, 'FLOWSTATE_SECRET_KEY', 'FLOWSTATE_SECRET_KEY');
  for (const part of (input.env['FLOWSTATE_SECRET_KEY_PREVIOUS'] ?? '').split(',')) {
    if (part.trim() !== '')
      remember(part, 'FLOWSTATE_SECRET_KEY_PREVIOUS', 'FLOWSTATE_SECRET_KEY_PREVIOUS');
  }
  const file = join(input.dataDir, SECRET_KEY_FILE);
  let fileId: string | undefined;
  let fileProblem: string | undefined;
  if (existsSync(file)) {
    try {
      fileId = remember(readFileSync(file, 'utf8'), file, 'file');
    } catch (error) {
      fileProblem = `${file} cannot be read: ${(error as Error).message}`;
    }
  }
  const missing = [...input.credentialKeys].filter(([id]) => !known.has(id));
  if (missing.length > 0) {
    const list = missing
      .map(([id, names]) => `key ${id} (credentials: ${names.join(', ')})`)
      .join('; ');
    throw new CliError(
      `Cannot migrate credentials: ${list} ${missing.length === 1 ? 'is' : 'are'} sealed with a key that is neither the data folder's ${SECRET_KEY_FILE} nor FLOWSTATE_SECRET_KEY / FLOWSTATE_SECRET_KEY_PREVIOUS${fileProblem === undefined ? '' : ` (${fileProblem})`}. Set the key they were made with in FLOWSTATE_SECRET_KEY_PREVIOUS and run again; the PostgreSQL servers could not decrypt them otherwise.`,
    );
  }
  // The servers' current key: the configured one, else the generated one the data folder used.
  const serverId = currentId ?? fileId;
  const lines: string[] = [];
  const plan: KeyPlan = { lines };
  if (serverId === undefined) {
    lines.push(
      'FLOWSTATE_SECRET_KEY: no credentials to carry over; give the servers a new key (openssl rand -base64 32).',
    );
  } else if (currentId !== undefined) {
    plan.secretKey = known.get(currentId)!.text;
    lines.push(
      'FLOWSTATE_SECRET_KEY: keep the value set in this environment on every PostgreSQL server.',
    );
  } else {
    plan.secretKey = known.get(serverId)!.text;
    lines.push(
      `Set on every PostgreSQL server (the data folder's generated ${SECRET_KEY_FILE}; keep it secret):`,
      `  FLOWSTATE_SECRET_KEY=${plan.secretKey}`,
    );
  }
  const older = [...input.credentialKeys.keys()].filter((id) => id !== serverId);
  if (older.length > 0) {
    plan.previous = older.map((id) => known.get(id)!.text).join(',');
    lines.push(
      `Some credentials are sealed with older keys; set besides (then run "flowstate credentials rotate"):`,
      `  FLOWSTATE_SECRET_KEY_PREVIOUS=${plan.previous}`,
    );
  }
  return plan;
}
