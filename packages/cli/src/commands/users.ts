import { ROLES, type Role } from '@flowstate/engine';
import { AuditLog, normalizeEmail, UserService } from '@flowstate/server';
import { cliActor, readStdin, withStore } from '../data-dir.js';
import { CliError, type CliIo } from '../io.js';

/** Options of the `users` and `api-keys` commands. */
export interface AccountOptions {
  email?: string;
  password?: string;
  passwordStdin?: boolean;
  role?: string;
  name?: string;
}

const USAGE = `Usage:
  flowstate users create --email EMAIL (--password PASSWORD | --password-stdin) [--role ROLE] [--name NAME]
  flowstate users list`;

/** Reads `--role` (one of the roles), if given. */
export function parseRole(role: string | undefined): Role | undefined {
  if (role === undefined) return undefined;
  if (!(ROLES as readonly string[]).includes(role))
    throw new CliError(`--role must be one of ${ROLES.join(', ')}, got "${role}"`, 2);
  return role as Role;
}

/**
 * `flowstate users create|list` on the data folder (server stopped). The first user created
 * is an owner unless `--role` says otherwise; later ones need `--role`.
 */
export async function usersCommand(
  args: readonly string[],
  options: AccountOptions,
  io: CliIo,
): Promise<number> {
  const [sub, ...extra] = args;
  if (extra.length > 0 || (sub !== 'create' && sub !== 'list')) throw new CliError(USAGE, 2);
  if (sub === 'list') {
    return withStore(io, async (store) => {
      for (const user of await store.listUsers()) {
        const state = user.disabled ? ' (disabled)' : '';
        io.stdout.write(`${user.email}\t${user.role}${state}\t${user.name}\t${user.id}\n`);
      }
      return 0;
    });
  }
  if (options.email === undefined) throw new CliError(`--email is required\n${USAGE}`, 2);
  if ((options.password === undefined) === (options.passwordStdin !== true))
    throw new CliError(`Give exactly one of --password and --password-stdin\n${USAGE}`, 2);
  const password = options.password ?? (await readStdin(io));
  const role = parseRole(options.role);
  const email = options.email;
  return withStore(io, async (store) => {
    const users = new UserService({ store, audit: new AuditLog(store) });
    const first = (await store.countUsers()) === 0;
    const effective = role ?? (first ? 'owner' : undefined);
    if (effective === undefined)
      throw new CliError(
        '--role is required: users exist already (viewer, editor, admin, owner).',
        2,
      );
    const user = await users.create(cliActor(), {
      email,
      password,
      role: effective,
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    io.stdout.write(`created ${user.role} ${normalizeEmail(email)} (${user.id})\n`);
    return 0;
  });
}
