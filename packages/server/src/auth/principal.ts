import type { ApiKeyRecord, AuditActor, Role, SessionRecord, UserRecord } from '@flowstate/engine';

/** Who is calling: a signed-in user, an API key (acting for its user), or the metrics token. */
export type Principal =
  | { kind: 'session'; user: UserRecord; role: Role; session: SessionRecord }
  /** `role` is the lesser of the key's and its user's current role. */
  | { kind: 'api-key'; user: UserRecord; role: Role; apiKey: ApiKeyRecord }
  | { kind: 'metrics-token' };

/** A principal that acts as a user. */
export type UserPrincipal = Extract<Principal, { user: UserRecord }>;

/** A user as the API shows it: everything but the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The API view of a user. */
export function userView(user: UserRecord): UserView {
  const { passwordHash: _hash, ...view } = user;
  return view;
}

/** An API key as the API shows it: no hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'keyHash'>;

/** The API view of an API key. */
export function apiKeyView(key: ApiKeyRecord): ApiKeyView {
  const { keyHash: _hash, ...view } = key;
  return view;
}

/** The audit actor of a principal (a request without one is the system). */
export function auditActorOf(principal: Principal | null | undefined): AuditActor {
  if (principal === null || principal === undefined) return { type: 'system', id: 'server' };
  switch (principal.kind) {
    case 'session':
      return { type: 'user', id: principal.user.id, label: principal.user.email };
    case 'api-key':
      return {
        type: 'api-key',
        id: principal.apiKey.id,
        label: `${principal.user.email} (${principal.apiKey.name})`,
      };
    case 'metrics-token':
      return { type: 'system', id: 'metrics-token' };
  }
}
