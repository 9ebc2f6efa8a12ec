import type { Database, Statement } from 'better-sqlite3';
import type {
  ApiKeyRecord,
  Role,
  SessionRecord,
  UpdateUserResult,
  UserPatch,
  UserRecord,
} from '@flowstate/engine';

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

interface SessionRow {
  token_hash: string;
  user_id: string;
  csrf_hash: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  role: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toUserRow(user: UserRecord): UserRow {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    password_hash: user.passwordHash,
    disabled: user.disabled ? 1 : 0,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

function toSession(row: SessionRow): SessionRecord {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    csrfHash: row.csrf_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
  };
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    role: row.role as Role,
    keyHash: row.key_hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}

const isEnabledOwner = (user: Pick<UserRecord, 'role' | 'disabled'>) =>
  user.role === 'owner' && !user.disabled;

/** Users, sessions and API keys (the `AuthStore` methods). */
export class AuthRepository {
  readonly #db: Database;
  readonly #insertUser: Statement<[UserRow]>;
  readonly #getUser: Statement<[string], UserRow>;
  readonly #getUserByEmail: Statement<[string], UserRow>;
  readonly #listUsers: Statement<[], UserRow>;
  readonly #countUsers: Statement<[], { n: number }>;
  readonly #countOtherOwners: Statement<[string], { n: number }>;
  readonly #updateUser: Statement<[UserRow]>;
  readonly #insertSession: Statement<[SessionRow]>;
  readonly #getSession: Statement<[string], SessionRow>;
  readonly #touchSession: Statement<[number, string]>;
  readonly #deleteSession: Statement<[string]>;
  readonly #deleteUserSessions: Statement<[string, string]>;
  readonly #pruneSessions: Statement<[number, number]>;
  readonly #insertKey: Statement<[ApiKeyRow]>;
  readonly #getKeyByHash: Statement<[string], ApiKeyRow>;
  readonly #getKey: Statement<[string], ApiKeyRow>;
  readonly #listKeys: Statement<[], ApiKeyRow>;
  readonly #listUserKeys: Statement<[string], ApiKeyRow>;
  readonly #revokeKey: Statement<[number, string]>;
  readonly #touchKey: Statement<[number, string]>;

  constructor(db: Database) {
    this.#db = db;
    this.#insertUser = db.prepare(`INSERT INTO users (id, email, name, role, password_hash,
      disabled, created_at, updated_at) VALUES (@id, @email, @name, @role, @password_hash,
      @disabled, @created_at, @updated_at)`);
    this.#getUser = db.prepare('SELECT * FROM users WHERE id = ?');
    this.#getUserByEmail = db.prepare('SELECT * FROM users WHERE email = ?');
    this.#listUsers = db.prepare('SELECT * FROM users ORDER BY created_at, id');
    this.#countUsers = db.prepare('SELECT count(*) AS n FROM users');
    this.#countOtherOwners = db.prepare(
      `SELECT count(*) AS n FROM users WHERE role = 'owner' AND disabled = 0 AND id <> ?`,
    );
    this.#updateUser = db.prepare(`UPDATE users SET name = @name, role = @role,
      password_hash = @password_hash, disabled = @disabled, updated_at = @updated_at
      WHERE id = @id`);
    this.#insertSession = db.prepare(`INSERT INTO sessions (token_hash, user_id, csrf_hash,
      created_at, expires_at, last_seen_at) VALUES (@token_hash, @user_id, @csrf_hash,
      @created_at, @expires_at, @last_seen_at)`);
    this.#getSession = db.prepare('SELECT * FROM sessions WHERE token_hash = ?');
    this.#touchSession = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?');
    this.#deleteSession = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
    this.#deleteUserSessions = db.prepare(
      'DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?',
    );
    this.#pruneSessions = db.prepare(
      'DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?',
    );
    this.#insertKey = db.prepare(`INSERT INTO api_keys (id, user_id, name, role, key_hash,
      prefix, created_at, expires_at, last_used_at, revoked_at) VALUES (@id, @user_id, @name,
      @role, @key_hash, @prefix, @created_at, @expires_at, @last_used_at, @revoked_at)`);
    this.#getKeyByHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?');
    this.#getKey = db.prepare('SELECT * FROM api_keys WHERE id = ?');
    this.#listKeys = db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC, id DESC');
    this.#listUserKeys = db.prepare(
      'SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id DESC',
    );
    this.#revokeKey = db.prepare(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.#touchKey = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  }

  createUser(input: {
    user: UserRecord;
    onlyIfNoUsers?: boolean;
  }): { status: 'ok'; user: UserRecord } | { status: 'users-exist' | 'email-taken' } {
    return this.#db
      .transaction(() => {
        if (input.onlyIfNoUsers === true && (this.#countUsers.get()?.n ?? 0) > 0)
          return { status: 'users-exist' as const };
        if (this.#getUserByEmail.get(input.user.email) !== undefined)
          return { status: 'email-taken' as const };
        this.#insertUser.run(toUserRow(input.user));
        return { status: 'ok' as const, user: input.user };
      })
      .immediate();
  }

  getUser(id: string): UserRecord | undefined {
    const row = this.#getUser.get(id);
    return row === undefined ? undefined : toUser(row);
  }

  getUserByEmail(email: string): UserRecord | undefined {
    const row = this.#getUserByEmail.get(email);
    return row === undefined ? undefined : toUser(row);
  }

  listUsers(): UserRecord[] {
    return this.#listUsers.all().map(toUser);
  }

  countUsers(): number {
    return this.#countUsers.get()?.n ?? 0;
  }

  updateUser(input: { id: string; patch: UserPatch; now: number }): UpdateUserResult {
    return this.#db
      .transaction((): UpdateUserResult => {
        const row = this.#getUser.get(input.id);
        if (row === undefined) return { status: 'not-found' };
        const before = toUser(row);
        const { patch } = input;
        const after: UserRecord = {
          ...before,
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.role === undefined ? {} : { role: patch.role }),
          ...(patch.disabled === undefined ? {} : { disabled: patch.disabled }),
          ...(patch.passwordHash === undefined ? {} : { passwordHash: patch.passwordHash }),
          updatedAt: input.now,
        };
        if (
          isEnabledOwner(before) &&
          !isEnabledOwner(after) &&
          (this.#countOtherOwners.get(before.id)?.n ?? 0) === 0
        ) {
          return { status: 'last-owner' };
        }
        this.#updateUser.run(toUserRow(after));
        return { status: 'ok', user: after, before };
      })
      .immediate();
  }

  createSession(session: SessionRecord): void {
    this.#insertSession.run({
      token_hash: session.tokenHash,
      user_id: session.userId,
      csrf_hash: session.csrfHash,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      last_seen_at: session.lastSeenAt,
    });
  }

  getSession(tokenHash: string): SessionRecord | undefined {
    const row = this.#getSession.get(tokenHash);
    return row === undefined ? undefined : toSession(row);
  }

  touchSession(tokenHash: string, lastSeenAt: number): void {
    this.#touchSession.run(lastSeenAt, tokenHash);
  }

  deleteSession(tokenHash: string): void {
    this.#deleteSession.run(tokenHash);
  }

  deleteUserSessions(userId: string, keepTokenHash = ''): number {
    return this.#deleteUserSessions.run(userId, keepTokenHash).changes;
  }

  pruneSessions(now: number, idleBefore: number): number {
    return this.#pruneSessions.run(now, idleBefore).changes;
  }

  createApiKey(key: ApiKeyRecord): void {
    this.#insertKey.run({
      id: key.id,
      user_id: key.userId,
      name: key.name,
      role: key.role,
      key_hash: key.keyHash,
      prefix: key.prefix,
      created_at: key.createdAt,
      expires_at: key.expiresAt ?? null,
      last_used_at: key.lastUsedAt ?? null,
      revoked_at: key.revokedAt ?? null,
    });
  }

  getApiKeyByHash(keyHash: string): ApiKeyRecord | undefined {
    const row = this.#getKeyByHash.get(keyHash);
    return row === undefined ? undefined : toApiKey(row);
  }

  getApiKey(id: string): ApiKeyRecord | undefined {
    const row = this.#getKey.get(id);
    return row === undefined ? undefined : toApiKey(row);
  }

  listApiKeys(userId?: string): ApiKeyRecord[] {
    const rows = userId === undefined ? this.#listKeys.all() : this.#listUserKeys.all(userId);
    return rows.map(toApiKey);
  }

  revokeApiKey(id: string, now: number): boolean {
    return this.#revokeKey.run(now, id).changes === 1;
  }

  touchApiKey(id: string, lastUsedAt: number): void {
    this.#touchKey.run(lastUsedAt, id);
  }
}
