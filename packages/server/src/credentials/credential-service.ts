import { randomUUID } from 'node:crypto';
import { CREDENTIAL_TYPES, publicCredentialFields, type CredentialData } from '@flowstate/core';
import type {
  AuditActor,
  CredentialProvider,
  CredentialRecord,
  CredentialStore,
  Redactor,
  ResolvedCredential,
} from '@flowstate/engine';
import type { AuditLog } from '../audit/audit-log.js';
import { httpError, zodDetails } from '../errors.js';
import type { Keyring } from './keyring.js';
import { secretForms } from './secret-forms.js';

/** A credential as the API shows it: never a secret value. */
export interface CredentialView {
  id: string;
  name: string;
  type: string;
  /** The non-secret fields (header name, user name, host, ...). */
  fields: Record<string, string | number | boolean>;
  createdAt: number;
  updatedAt: number;
}

/** Result of {@link CredentialService.rotate}. */
export interface RotationResult {
  /** Re-encrypted with the current key. */
  rotated: number;
  /** Already on the current key. */
  current: number;
  failed: { id: string; name: string; error: string }[];
}

/** How long decrypted credentials stay cached for webhook checks (edits here clear it at once). */
const CACHE_MS = 30_000;

function view(record: CredentialRecord): CredentialView {
  const { id, name, type, fields, createdAt, updatedAt } = record;
  return { id, name, type, fields, createdAt, updatedAt };
}

/** Additional authenticated data: binds a ciphertext to its credential's id and type. */
function aad(id: string, type: string): string {
  return `flowstate:credential:${id}:${type}`;
}

/**
 * Typed, encrypted credentials: CRUD for the API (no secret ever leaves), decryption for the
 * engine (`CredentialProvider`) and webhook checks, and key rotation. Every secret it
 * decrypts is taught to the shared `Redactor`, which scrubs logs.
 */
export class CredentialService implements CredentialProvider {
  readonly #store: CredentialStore;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #redactor: Redactor;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; value: ResolvedCredential }>();

  constructor(options: {
    store: CredentialStore;
    keyring: Keyring;
    audit: AuditLog;
    redactor: Redactor;
    now?: () => number;
  }) {
    this.#store = options.store;
    this.#keyring = options.keyring;
    this.#audit = options.audit;
    this.#redactor = options.redactor;
    this.#now = options.now ?? Date.now;
  }

  async list(): Promise<CredentialView[]> {
    return (await this.#store.listCredentials()).map(view);
  }

  async get(id: string): Promise<CredentialView> {
    return view(await this.#require(id));
  }

  /** Validates `data` against the type's schema, encrypts it and stores the credential. */
  async create(
    actor: AuditActor,
    input: { name: string; type: string; data: unknown },
  ): Promise<CredentialView> {
    const data = parseData(input.type, input.data);
    const id = `cred_${randomUUID()}`;
    const now = this.#now();
    const record = this.#seal(
      { id, name: input.name, type: input.type, createdAt: now },
      data,
      now,
    );
    if ((await this.#store.createCredential(record)) === 'name-taken') throw nameTaken(input.name);
    this.#redactor.add(secretForms(input.type, data));
    await this.#audit.record(actor, {
      action: 'credential.create',
      target: { type: 'credential', id },
      summary: { after: { name: record.name, type: record.type, fields: record.fields } },
    });
    return view(record);
  }

  /**
   * Renames and/or changes fields. `data` is merged over the stored values, so a secret
   * need not be typed again to change a user name; the result is validated whole.
   */
  async update(
    actor: AuditActor,
    id: string,
    input: { name?: string; data?: Record<string, unknown> },
  ): Promise<CredentialView> {
    const before = await this.#require(id);
    const merged = { ...this.#decrypt(before), ...input.data };
    const data = parseData(before.type, merged);
    const record = this.#seal({ ...before, name: input.name ?? before.name }, data, this.#now());
    const result = await this.#store.updateCredential({ record });
    if (result === 'name-taken') throw nameTaken(record.name);
    if (result !== 'ok') throw notFound(id);
    this.#cache.delete(id);
    this.#redactor.add(secretForms(record.type, data));
    await this.#audit.record(actor, {
      action: 'credential.update',
      target: { type: 'credential', id },
      summary: {
        before: { name: before.name, fields: before.fields },
        after: { name: record.name, fields: record.fields },
        secretsChanged: Object.keys(input.data ?? {}).filter((key) => !(key in record.fields)),
      },
    });
    return view(record);
  }

  async delete(actor: AuditActor, id: string): Promise<void> {
    const before = await this.#require(id);
    if (!(await this.#store.deleteCredential(id))) throw notFound(id);
    this.#cache.delete(id);
    await this.#audit.record(actor, {
      action: 'credential.delete',
      target: { type: 'credential', id },
      summary: { before: { name: before.name, type: before.type, fields: before.fields } },
    });
  }

  /** The decrypted credential (engine port). Its secrets are added to the redactor. */
  async resolve(id: string): Promise<ResolvedCredential | undefined> {
    const record = await this.#store.getCredential(id);
    if (!record) return undefined;
    return this.#resolved(record);
  }

  /** Like `resolve`, cached briefly: webhook checks run on every call of a protected hook. */
  async resolveCached(id: string): Promise<ResolvedCredential | undefined> {
    const now = this.#now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.at < CACHE_MS) return hit.value;
    const value = await this.resolve(id);
    if (value) this.#cache.set(id, { at: now, value });
    else this.#cache.delete(id);
    return value;
  }

  /**
   * Re-encrypts every credential not on the current key. Rows are updated one by one, each
   * only if still on the key it was read with, so an edit racing the rotation is never
   * overwritten. Rows whose key is missing are reported, not fatal.
   */
  async rotate(actor: AuditActor): Promise<RotationResult> {
    const result: RotationResult = { rotated: 0, current: 0, failed: [] };
    for (const record of await this.#store.listCredentials()) {
      if (record.keyId === this.#keyring.currentKeyId) {
        result.current += 1;
        continue;
      }
      try {
        const data = this.#decrypt(record);
        const sealed = this.#seal(record, data, record.updatedAt);
        const outcome = await this.#store.updateCredential({
          record: sealed,
          expectKeyId: record.keyId,
        });
        if (outcome === 'ok') result.rotated += 1;
        else if (outcome === 'conflict') result.current += 1;
      } catch (error) {
        result.failed.push({
          id: record.id,
          name: record.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    this.#cache.clear();
    await this.#audit.record(actor, {
      action: 'credential.rotate',
      target: { type: 'keyring', id: this.#keyring.currentKeyId },
      summary: {
        after: { ...result, failed: result.failed.map(({ id, error }) => ({ id, error })) },
      },
    });
    return result;
  }

  #resolved(record: CredentialRecord): ResolvedCredential {
    const data = this.#decrypt(record);
    const secrets = secretForms(record.type, data);
    this.#redactor.add(secrets);
    return { id: record.id, name: record.name, type: record.type, data, secrets };
  }

  #decrypt(record: CredentialRecord): CredentialData {
    const text = this.#keyring.open(
      { keyId: record.keyId, ciphertext: record.ciphertext },
      aad(record.id, record.type),
    );
    return JSON.parse(text) as CredentialData;
  }

  #seal(
    base: Pick<CredentialRecord, 'id' | 'name' | 'type' | 'createdAt'>,
    data: CredentialData,
    now: number,
  ): CredentialRecord {
    const sealed = this.#keyring.seal(JSON.stringify(data), aad(base.id, base.type));
    return {
      id: base.id,
      name: base.name,
      type: base.type,
      fields: { ...publicCredentialFields(base.type, data) },
      keyId: sealed.keyId,
      ciphertext: sealed.ciphertext,
      createdAt: base.createdAt,
      updatedAt: now,
    };
  }

  async #require(id: string): Promise<CredentialRecord> {
    const record = await this.#store.getCredential(id);
    if (!record) throw notFound(id);
    return record;
  }
}

/** Checks credential data against its type's schema; 400 naming each bad field. */
export function parseData(type: string, data: unknown): CredentialData {
  const definition = CREDENTIAL_TYPES[type];
  if (!definition) {
    throw httpError(
      'INVALID_REQUEST',
      `Unknown credential type "${type}"; use one of ${Object.keys(CREDENTIAL_TYPES).join(', ')}.`,
      [{ path: '/type', message: 'unknown credential type' }],
    );
  }
  const parsed = definition.schema.safeParse(data);
  if (!parsed.success) {
    const details = zodDetails(parsed.error, '/data');
    throw httpError(
      'INVALID_REQUEST',
      `Invalid ${type} credential: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  return parsed.data as CredentialData;
}

function notFound(id: string) {
  return httpError('CREDENTIAL_NOT_FOUND', `Credential "${id}" does not exist.`);
}

function nameTaken(name: string) {
  return httpError('CREDENTIAL_NAME_TAKEN', `A credential named "${name}" already exists.`, [
    { path: '/name', message: 'already used' },
  ]);
}
