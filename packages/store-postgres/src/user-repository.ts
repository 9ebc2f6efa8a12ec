import type pg from 'pg';
import type { Role, UpdateUserResult, UserPatch, UserRecord } from '@flowstate/engine';
import { inTransaction } from './connection.js';

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  disabled: boolean;
  created_at: number;
  updated_at: number;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    passwordHash: row.password_hash,
    disabled: row.disabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const isEnabledOwner = (user: Pick<UserRecord, 'role' | 'disabled'>) =>
  user.role === 'owner' && !user.disabled;

/**
 * Writers of `users` that enforce a rule over the whole table (the first user only while
 * none exists; never no enabled owner) take turns through this lock. It conflicts with
 * itself and with row writes, not with reads: other processes keep signing in meanwhile.
 */
const LOCK_USERS = 'LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE';

const INSERT_SQL = `INSERT INTO users (id, email, name, role, password_hash, disabled, created_at,
  updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING`;

const UPDATE_SQL = `UPDATE users SET name = $2, role = $3, password_hash = $4, disabled = $5,
  updated_at = $6 WHERE id = $1`;

const OTHER_OWNERS_SQL = `SELECT count(*) AS n FROM users
  WHERE role = 'owner' AND NOT disabled AND id <> $1`;

/** People who sign in (the user methods of `AuthStore`). */
export class UserRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  createUser(input: {
    user: UserRecord;
    onlyIfNoUsers?: boolean;
  }): Promise<{ status: 'ok'; user: UserRecord } | { status: 'users-exist' | 'email-taken' }> {
    return inTransaction(this.#pool, async (client) => {
      await client.query(LOCK_USERS);
      if (input.onlyIfNoUsers === true) {
        const { rows } = await client.query('SELECT 1 FROM users LIMIT 1');
        if (rows.length > 0) return { status: 'users-exist' as const };
      }
      const { user } = input;
      const inserted = await client.query(INSERT_SQL, [
        user.id,
        user.email,
        user.name,
        user.role,
        user.passwordHash,
        user.disabled,
        user.createdAt,
        user.updatedAt,
      ]);
      return inserted.rowCount === 1
        ? { status: 'ok' as const, user }
        : { status: 'email-taken' as const };
    });
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const { rows } = await this.#pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toUser(rows[0]);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    const { rows } = await this.#pool.query<UserRow>('SELECT * FROM users WHERE email = $1', [
      email,
    ]);
    return rows[0] === undefined ? undefined : toUser(rows[0]);
  }

  async listUsers(): Promise<UserRecord[]> {
    const { rows } = await this.#pool.query<UserRow>('SELECT * FROM users ORDER BY created_at, id');
    return rows.map(toUser);
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>('SELECT count(*) AS n FROM users');
    return rows[0]?.n ?? 0;
  }

  /** Applies a patch, refusing (`last-owner`) one that leaves no enabled owner. */
  updateUser(input: { id: string; patch: UserPatch; now: number }): Promise<UpdateUserResult> {
    return inTransaction(this.#pool, async (client): Promise<UpdateUserResult> => {
      await client.query(LOCK_USERS);
      const { rows } = await client.query<UserRow>('SELECT * FROM users WHERE id = $1', [input.id]);
      if (rows[0] === undefined) return { status: 'not-found' };
      const before = toUser(rows[0]);
      const { patch } = input;
      const after: UserRecord = {
        ...before,
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.role === undefined ? {} : { role: patch.role }),
        ...(patch.disabled === undefined ? {} : { disabled: patch.disabled }),
        ...(patch.passwordHash === undefined ? {} : { passwordHash: patch.passwordHash }),
        updatedAt: input.now,
      };
      if (isEnabledOwner(before) && !isEnabledOwner(after)) {
        const others = await client.query<{ n: number }>(OTHER_OWNERS_SQL, [before.id]);
        if ((others.rows[0]?.n ?? 0) === 0) return { status: 'last-owner' };
      }
      await client.query(UPDATE_SQL, [
        after.id,
        after.name,
        after.role,
        after.passwordHash,
        after.disabled,
        after.updatedAt,
      ]);
      return { status: 'ok', user: after, before };
    });
  }
}
