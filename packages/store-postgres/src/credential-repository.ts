import type pg from 'pg';
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

/** A credential whose name is taken inserts nothing (a taken id still fails, as in SQLite). */
const INSERT_SQL = `INSERT INTO credentials (id, name, type, fields, key_id, ciphertext,
  created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (name) DO NOTHING`;

/** Applies only while the row still has key `$7` when one is given (rotation racing an edit). */
const UPDATE_SQL = `UPDATE credentials SET name = $2, fields = $3, key_id = $4, ciphertext = $5,
  updated_at = $6 WHERE id = $1 AND ($7::text IS NULL OR key_id = $7)`;

/** PostgreSQL's unique-violation SQLSTATE. */
const UNIQUE_VIOLATION = '23505';

/** Encrypted credentials (the `CredentialStore` methods). Each method is one statement. */
export class CredentialRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(record: CredentialRecord): Promise<'ok' | 'name-taken'> {
    const result = await this.#pool.query(INSERT_SQL, [
      record.id,
      record.name,
      record.type,
      JSON.stringify(record.fields),
      record.keyId,
      record.ciphertext,
      record.createdAt,
      record.updatedAt,
    ]);
    return result.rowCount === 1 ? 'ok' : 'name-taken';
  }

  async get(id: string): Promise<CredentialRecord | undefined> {
    const { rows } = await this.#pool.query<CredentialRow>(
      'SELECT * FROM credentials WHERE id = $1',
      [id],
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async list(): Promise<CredentialRecord[]> {
    const { rows } = await this.#pool.query<CredentialRow>(
      'SELECT * FROM credentials ORDER BY name, id',
    );
    return rows.map(toRecord);
  }

  async update(
    record: CredentialRecord,
    expectKeyId?: string,
  ): Promise<'ok' | 'not-found' | 'name-taken' | 'conflict'> {
    try {
      const result = await this.#pool.query(UPDATE_SQL, [
        record.id,
        record.name,
        JSON.stringify(record.fields),
        record.keyId,
        record.ciphertext,
        record.updatedAt,
        expectKeyId ?? null,
      ]);
      if (result.rowCount === 1) return 'ok';
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return 'name-taken';
      throw error;
    }
    // Nothing updated: the row is gone, or (with expectKeyId) re-encrypted meanwhile.
    return (await this.get(record.id)) === undefined ? 'not-found' : 'conflict';
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM credentials WHERE id = $1', [id]);
    return result.rowCount === 1;
  }
}
