import type pg from 'pg';
import type { ApiKeyRecord, Role, SessionRecord } from '@flowstate/engine';

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

const INSERT_SESSION_SQL = `INSERT INTO sessions (token_hash, user_id, csrf_hash, created_at,
  expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)`;

const INSERT_KEY_SQL = `INSERT INTO api_keys (id, user_id, name, role, key_hash, prefix,
  created_at, expires_at, last_used_at, revoked_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

const LIST_KEYS_SQL = 'SELECT * FROM api_keys ORDER BY created_at DESC, id DESC';

const LIST_USER_KEYS_SQL =
  'SELECT * FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id DESC';

/**
 * Sessions and API keys (the token methods of `AuthStore`): both are stored as the sha256 of
 * the token only. Each method is one statement.
 */
export class TokenRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.#pool.query(INSERT_SESSION_SQL, [
      session.tokenHash,
      session.userId,
      session.csrfHash,
      session.createdAt,
      session.expiresAt,
      session.lastSeenAt,
    ]);
  }

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.#pool.query<SessionRow>({
      name: 'fs_get_session',
      text: 'SELECT * FROM sessions WHERE token_hash = $1',
      values: [tokenHash],
    });
    return rows[0] === undefined ? undefined : toSession(rows[0]);
  }

  async touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
    await this.#pool.query('UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1', [
      tokenHash,
      lastSeenAt,
    ]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.#pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async deleteUserSessions(userId: string, keepTokenHash = ''): Promise<number> {
    const result = await this.#pool.query(
      'DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2',
      [userId, keepTokenHash],
    );
    return result.rowCount ?? 0;
  }

  async pruneSessions(now: number, idleBefore: number): Promise<number> {
    const result = await this.#pool.query(
      'DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2',
      [now, idleBefore],
    );
    return result.rowCount ?? 0;
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#pool.query(INSERT_KEY_SQL, [
      key.id,
      key.userId,
      key.name,
      key.role,
      key.keyHash,
      key.prefix,
      key.createdAt,
      key.expiresAt ?? null,
      key.lastUsedAt ?? null,
      key.revokedAt ?? null,
    ]);
  }

  async getApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<ApiKeyRow>({
      name: 'fs_get_api_key',
      text: 'SELECT * FROM api_keys WHERE key_hash = $1',
      values: [keyHash],
    });
    return rows[0] === undefined ? undefined : toApiKey(rows[0]);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [
      id,
    ]);
    return rows[0] === undefined ? undefined : toApiKey(rows[0]);
  }

  async listApiKeys(userId?: string): Promise<ApiKeyRecord[]> {
    const { rows } =
      userId === undefined
        ? await this.#pool.query<ApiKeyRow>(LIST_KEYS_SQL)
        : await this.#pool.query<ApiKeyRow>(LIST_USER_KEYS_SQL, [userId]);
    return rows.map(toApiKey);
  }

  /** False when the key does not exist or was revoked already. */
  async revokeApiKey(id: string, now: number): Promise<boolean> {
    const result = await this.#pool.query(
      'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, now],
    );
    return result.rowCount === 1;
  }

  async touchApiKey(id: string, lastUsedAt: number): Promise<void> {
    await this.#pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, lastUsedAt]);
  }
}
