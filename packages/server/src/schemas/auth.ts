import { ROLES } from '@flowstate/engine';
import { z } from 'zod';

/** A role, least powerful first: viewer, editor, admin, owner. */
export const RoleSchema = z.enum(ROLES).meta({ id: 'Role' });

/** A user as the API shows it: never the password hash. */
export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string().meta({ description: 'Lower-cased' }),
    name: z.string(),
    role: RoleSchema,
    disabled: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'User' });

/** An API key as the API shows it: never the key or its hash. */
export const ApiKeySchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    name: z.string(),
    role: RoleSchema,
    prefix: z.string().meta({ description: 'The first characters of the key: fsk_AbCd1234' }),
    createdAt: z.number(),
    expiresAt: z.number().optional(),
    lastUsedAt: z.number().optional(),
    revokedAt: z.number().optional(),
  })
  .meta({ id: 'ApiKey' });

/** Answer of setup and sign-in; the session itself is in the `fs_session` cookie. */
export const SessionResponse = z
  .object({
    user: UserSchema,
    csrfToken: z
      .string()
      .meta({ description: 'Send as X-CSRF-Token on writes (also in the fs_csrf cookie)' }),
    expiresAt: z.number(),
  })
  .meta({ id: 'Session' });
