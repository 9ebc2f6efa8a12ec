import type { AuthStore, SessionRecord, UserRecord } from '@flowstate/engine';
import { httpError } from '../errors.js';
import { unusablePasswordHash, verifyPassword, type ScryptCost } from './passwords.js';
import { randomToken, safeEqual, tokenHash } from './tokens.js';
import { normalizeEmail } from './user-service.js';

/** Lifetimes of sessions. */
export interface SessionTimes {
  /** Absolute lifetime (default 7 days). */
  ttlMs: number;
  /** A session unused for this long ends (default 12 hours). */
  idleMs: number;
}

export const DEFAULT_SESSION_TIMES: SessionTimes = {
  ttlMs: 7 * 86_400_000,
  idleMs: 12 * 3_600_000,
};

/** `lastSeenAt` is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;

/** A new session: the tokens go to the browser (cookies), the record (hashes) to the store. */
export interface NewSession {
  user: UserRecord;
  token: string;
  csrfToken: string;
  session: SessionRecord;
}

/**
 * Password sign-in and cookie sessions. Tokens are 256-bit random strings; only their sha256
 * is stored, so a copy of the database opens no session. Each session has a CSRF token
 * (also stored hashed) that unsafe requests must echo in `X-CSRF-Token`.
 */
export class SessionService {
  readonly #store: AuthStore;
  readonly #now: () => number;
  readonly times: SessionTimes;
  readonly #dummyHash: string;

  constructor(options: {
    store: AuthStore;
    now?: () => number;
    times?: Partial<SessionTimes>;
    scryptCost?: ScryptCost;
  }) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.times = { ...DEFAULT_SESSION_TIMES, ...options.times };
    this.#dummyHash = unusablePasswordHash(options.scryptCost);
  }

  /**
   * Checks an email and password and opens a session. Unknown emails cost the same as wrong
   * passwords and get the same answer (401); a disabled account is told so only after its
   * password was right.
   */
  async login(email: string, password: string): Promise<NewSession> {
    const user = await this.#store.getUserByEmail(normalizeEmail(email));
    const ok = await verifyPassword(password, user?.passwordHash ?? this.#dummyHash);
    if (!user || !ok) throw httpError('INVALID_CREDENTIALS', 'Email or password is incorrect.');
    if (user.disabled) throw httpError('ACCOUNT_DISABLED', `Account ${user.email} is disabled.`);
    const now = this.#now();
    const token = randomToken();
    const csrfToken = randomToken();
    const session: SessionRecord = {
      tokenHash: tokenHash(token),
      userId: user.id,
      csrfHash: tokenHash(csrfToken),
      createdAt: now,
      expiresAt: now + this.times.ttlMs,
      lastSeenAt: now,
    };
    await this.#store.createSession(session);
    if (Math.random() < 0.05) {
      await this.#store.pruneSessions({ now, idleBefore: now - this.times.idleMs });
    }
    return { user, token, csrfToken, session };
  }

  /** The live session and enabled user of a session token, or undefined. */
  async authenticate(
    token: string,
  ): Promise<{ user: UserRecord; session: SessionRecord } | undefined> {
    const hash = tokenHash(token);
    const session = await this.#store.getSession(hash);
    if (!session) return undefined;
    const now = this.#now();
    if (session.expiresAt <= now || session.lastSeenAt + this.times.idleMs <= now) {
      await this.#store.deleteSession(hash);
      return undefined;
    }
    const user = await this.#store.getUser(session.userId);
    if (!user || user.disabled) return undefined;
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await this.#store.touchSession(hash, now);
    return { user, session };
  }

  /** True when `csrfToken` is the session's CSRF token. */
  checkCsrf(session: SessionRecord, csrfToken: string | undefined): boolean {
    return csrfToken !== undefined && safeEqual(tokenHash(csrfToken), session.csrfHash);
  }

  /** Ends a session. */
  logout(session: SessionRecord): Promise<void> {
    return this.#store.deleteSession(session.tokenHash);
  }
}
