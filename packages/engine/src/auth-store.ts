/** Roles, from least to most powerful. */
export type Role = 'viewer' | 'editor' | 'admin' | 'owner';

/** Every role, least powerful first. */
export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin', 'owner'];

/** A person who signs in. `passwordHash` is a self-describing scrypt hash (see the server). */
export interface UserRecord {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A signed-in browser session. Only the hash of its token is stored. */
export interface SessionRecord {
  /** sha256 (hex) of the session token held in the cookie. */
  tokenHash: string;
  userId: string;
  /** sha256 (hex) of the session's CSRF token. */
  csrfHash: string;
  createdAt: number;
  /** Absolute end of the session. */
  expiresAt: number;
  /** Last request seen (for the idle timeout); updated at most about once a minute. */
  lastSeenAt: number;
}

/** An API key. Only the hash of the key is stored; `prefix` identifies it in lists. */
export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  /** Never above the creating user's role; the effective role is also capped by the user's. */
  role: Role;
  /** sha256 (hex) of the whole key. */
  keyHash: string;
  /** The first characters of the key, shown in lists (`fsk_AbCd1234`). */
  prefix: string;
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

/** Changes to a user; absent fields stay as they are. */
export interface UserPatch {
  name?: string;
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
}

/** Outcome of `updateUser`. */
export type UpdateUserResult =
  | { status: 'ok'; user: UserRecord; before: UserRecord }
  | { status: 'not-found' }
  /** The change would leave no enabled owner. */
  | { status: 'last-owner' };

/**
 * Storage of users, sessions and API keys. Rules that must hold under concurrency are the
 * store's: the first user is created only while none exists, and no change may leave the
 * installation without an enabled owner.
 */
export interface AuthStore {
  /**
   * Inserts a user. With `onlyIfNoUsers`, inserts only while the users table is empty and
   * returns `'users-exist'` otherwise (first-run setup). `'email-taken'` when the email is used.
   */
  createUser(input: {
    user: UserRecord;
    onlyIfNoUsers?: boolean;
  }): Promise<{ status: 'ok'; user: UserRecord } | { status: 'users-exist' | 'email-taken' }>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** Every user, oldest first. */
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;
  /** Applies a patch, refusing (`last-owner`) one that leaves no enabled owner. */
  updateUser(input: { id: string; patch: UserPatch; now: number }): Promise<UpdateUserResult>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  touchSession(tokenHash: string, lastSeenAt: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of a user, except `keepTokenHash`; returns how many ended. */
  deleteUserSessions(userId: string, keepTokenHash?: string): Promise<number>;
  /** Deletes sessions past their expiry or idle since before `idleBefore`. */
  pruneSessions(input: { now: number; idleBefore: number }): Promise<number>;

  createApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys of one user, or of everyone; newest first. */
  listApiKeys(query?: { userId?: string }): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when it does not exist or was revoked already. */
  revokeApiKey(id: string, now: number): Promise<boolean>;
  touchApiKey(id: string, lastUsedAt: number): Promise<void>;
}
