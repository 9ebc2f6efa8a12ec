import { randomUUID } from 'node:crypto';
import type { AuditActor, AuthStore, Role, UserPatch, UserRecord } from '@flowstate/engine';
import type { AuditLog } from '../audit/audit-log.js';
import { httpError } from '../errors.js';
import {
  DEFAULT_SCRYPT_COST,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
  type ScryptCost,
} from './passwords.js';
import { auditActorOf, userView, type UserPrincipal, type UserView } from './principal.js';
import { hasRole } from './roles.js';

/** Dependencies of {@link UserService}. */
export interface UserServiceOptions {
  store: AuthStore;
  audit: AuditLog;
  now?: () => number;
  scryptCost?: ScryptCost;
}

/** Input of a new user. */
export interface NewUser {
  email: string;
  password: string;
  name?: string;
  role: Role;
}

/** Canonical form of an email: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Summary of a user for the audit log (no password hash). */
function auditView(user: UserRecord) {
  return { email: user.email, name: user.name, role: user.role, disabled: user.disabled };
}

/**
 * Users: first-run setup, creation, role changes, disabling and passwords, with the rules of
 * who may do what (an admin manages viewers, editors and admins; only an owner grants or
 * changes the owner role or an owner's account; the last enabled owner stays).
 */
export class UserService {
  readonly #store: AuthStore;
  readonly #audit: AuditLog;
  readonly #now: () => number;
  readonly scryptCost: ScryptCost;

  constructor(options: UserServiceOptions) {
    this.#store = options.store;
    this.#audit = options.audit;
    this.#now = options.now ?? Date.now;
    this.scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
  }

  /** Hashes a password after checking its length. */
  async hash(password: string): Promise<string> {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw httpError(
        'WEAK_PASSWORD',
        `Password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
        [{ path: '/password', message: `at least ${MIN_PASSWORD_LENGTH} characters` }],
      );
    }
    return hashPassword(password, this.scryptCost);
  }

  /** Creates the first user, an owner; 409 once any user exists. */
  async setup(input: Omit<NewUser, 'role'>, actor?: AuditActor): Promise<UserRecord> {
    const user = await this.#build({ ...input, role: 'owner' });
    const result = await this.#store.createUser({ user, onlyIfNoUsers: true });
    if (result.status === 'users-exist') {
      throw httpError(
        'SETUP_COMPLETE',
        'Setup is done: an owner exists. Sign in, or ask an admin for an account.',
      );
    }
    if (result.status === 'email-taken') throw emailTaken(user.email);
    await this.#audit.record(actor ?? { type: 'user', id: user.id, label: user.email }, {
      action: 'user.setup',
      target: { type: 'user', id: user.id },
      summary: { after: auditView(user) },
    });
    return user;
  }

  /** Creates a user; `by` must be an admin, and an owner to create an owner. */
  async create(by: UserPrincipal | AuditActor, input: NewUser): Promise<UserRecord> {
    if ('kind' in by) this.#assertMayGrant(by, input.role);
    const user = await this.#build(input);
    const result = await this.#store.createUser({ user });
    if (result.status !== 'ok') throw emailTaken(user.email);
    await this.#audit.record('kind' in by ? auditActorOf(by) : by, {
      action: 'user.create',
      target: { type: 'user', id: user.id },
      summary: { after: auditView(user) },
    });
    return user;
  }

  /** Every user (API view). */
  async list(): Promise<UserView[]> {
    return (await this.#store.listUsers()).map(userView);
  }

  /** One user; 404 when unknown. */
  async get(id: string): Promise<UserRecord> {
    const user = await this.#store.getUser(id);
    if (!user) throw httpError('USER_NOT_FOUND', `User "${id}" does not exist.`);
    return user;
  }

  /** Changes a user's name, role or disabled flag. Disabling ends the user's sessions. */
  async update(
    by: UserPrincipal,
    id: string,
    patch: Pick<UserPatch, 'name' | 'role' | 'disabled'>,
  ): Promise<UserRecord> {
    const target = await this.get(id);
    const self = target.id === by.user.id;
    if (target.role === 'owner' && by.role !== 'owner')
      throw forbidden('Only an owner can change an owner’s account.');
    if (patch.role !== undefined) this.#assertMayGrant(by, patch.role);
    if (self && patch.disabled === true)
      throw forbidden('You cannot disable your own account; ask another admin.');
    if (self && patch.role !== undefined && patch.role !== target.role && by.role !== 'owner')
      throw forbidden('You cannot change your own role.');
    const result = await this.#store.updateUser({ id, patch, now: this.#now() });
    if (result.status === 'not-found')
      throw httpError('USER_NOT_FOUND', `User "${id}" does not exist.`);
    if (result.status === 'last-owner') {
      throw httpError(
        'LAST_OWNER',
        `${target.email} is the last enabled owner; make another user an owner first.`,
      );
    }
    if (patch.disabled === true) await this.#store.deleteUserSessions(id);
    await this.#audit.record(auditActorOf(by), {
      action:
        patch.disabled === undefined
          ? 'user.update'
          : patch.disabled
            ? 'user.disable'
            : 'user.enable',
      target: { type: 'user', id },
      summary: { before: auditView(result.before), after: auditView(result.user) },
    });
    return result.user;
  }

  /** Changes the caller's own password (checking the current one) and ends their other sessions. */
  async changePassword(by: UserPrincipal, current: string, next: string): Promise<void> {
    if (!(await verifyPassword(current, by.user.passwordHash))) {
      throw httpError('INVALID_CREDENTIALS', 'The current password is not correct.', [
        { path: '/currentPassword', message: 'incorrect' },
      ]);
    }
    const passwordHash = await this.hash(next);
    await this.#store.updateUser({ id: by.user.id, patch: { passwordHash }, now: this.#now() });
    await this.#store.deleteUserSessions(
      by.user.id,
      by.kind === 'session' ? by.session.tokenHash : undefined,
    );
    await this.#audit.record(auditActorOf(by), {
      action: 'user.password',
      target: { type: 'user', id: by.user.id },
      summary: { after: { passwordChanged: true } },
    });
  }

  async #build(input: NewUser): Promise<UserRecord> {
    const now = this.#now();
    const email = normalizeEmail(input.email);
    return {
      id: `usr_${randomUUID()}`,
      email,
      name: input.name?.trim() || email.split('@')[0] || email,
      role: input.role,
      passwordHash: await this.hash(input.password),
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
  }

  #assertMayGrant(by: UserPrincipal, role: Role): void {
    if (role === 'owner' && by.role !== 'owner')
      throw forbidden('Only an owner can grant the owner role.');
    if (!hasRole(by.role, 'admin')) throw forbidden('Managing users needs the admin role.');
  }
}

function forbidden(message: string) {
  return httpError('FORBIDDEN', message);
}

function emailTaken(email: string) {
  return httpError('EMAIL_TAKEN', `A user with email ${email} already exists.`, [
    { path: '/email', message: 'already used' },
  ]);
}
