import type { Database, Statement } from 'better-sqlite3';
import type { CredentialRecord } from '@flowstate/engine';

interface CredentialRow {
  id: string;
  name: string;
  type: string;
  fields: string;
  key_id: string;
  ciphertext: string;
  created_at: number;
  updated_at: number;
}

function toRecord(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    fields: JSON.parse(row.fields) as CredentialRecord['fields'],
    keyId: row.key_id,
    ciphertext: row.ciphertext,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(record: CredentialRecord): CredentialRow {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    fields: JSON.stringify(record.fields),
    key_id: record.keyId,
    ciphertext: record.ciphertext,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** Encrypted credentials (the `CredentialStore` methods). */
export class CredentialRepository {
  readonly #db: Database;
  readonly #insert: Statement<[CredentialRow]>;
  readonly #get: Statement<[string], CredentialRow>;
  readonly #byName: Statement<[string], CredentialRow>;
  readonly #list: Statement<[], CredentialRow>;
  readonly #update: Statement<[CredentialRow]>;
  readonly #delete: Statement<[string]>;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO credentials (id, name, type, fields, key_id,
      ciphertext, created_at, updated_at) VALUES (@id, @name, @type, @fields, @key_id,
      @ciphertext, @created_at, @updated_at)`);
    this.#get = db.prepare('SELECT * FROM credentials WHERE id = ?');
    this.#byName = db.prepare('SELECT * FROM credentials WHERE name = ?');
    this.#list = db.prepare('SELECT * FROM credentials ORDER BY name, id');
    this.#update = db.prepare(`UPDATE credentials SET name = @name, fields = @fields,
      key_id = @key_id, ciphertext = @ciphertext, updated_at = @updated_at WHERE id = @id`);
    this.#delete = db.prepare('DELETE FROM credentials WHERE id = ?');
  }

  create(record: CredentialRecord): 'ok' | 'name-taken' {
    return this.#db
      .transaction(() => {
        if (this.#byName.get(record.name) !== undefined) return 'name-taken' as const;
        this.#insert.run(toRow(record));
        return 'ok' as const;
      })
      .immediate();
  }

  get(id: string): CredentialRecord | undefined {
    const row = this.#get.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  list(): CredentialRecord[] {
    return this.#list.all().map(toRecord);
  }

  update(
    record: CredentialRecord,
    expectKeyId?: string,
  ): 'ok' | 'not-found' | 'name-taken' | 'conflict' {
    return this.#db
      .transaction(() => {
        const current = this.#get.get(record.id);
        if (current === undefined) return 'not-found' as const;
        if (expectKeyId !== undefined && current.key_id !== expectKeyId) return 'conflict' as const;
        const sameName = this.#byName.get(record.name);
        if (sameName !== undefined && sameName.id !== record.id) return 'name-taken' as const;
        this.#update.run(toRow(record));
        return 'ok' as const;
      })
      .immediate();
  }

  delete(id: string): boolean {
    return this.#delete.run(id).changes === 1;
  }
}
