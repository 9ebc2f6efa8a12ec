import { ApiKeyService, AuditLog, normalizeEmail } from '@flowstate/server';
import { cliActor, withStore } from '../data-dir.js';
import { CliError, type CliIo } from '../io.js';
import { parseRole } from './users.js';

const USAGE = 'Usage: flowstate api-keys create --email EMAIL --name NAME [--role ROLE]';

/**
 * `flowstate api-keys create`: makes an API key for a user (for scripts, CI and the
 * benchmark) and prints it on stdout, once. Its role defaults to the user's.
 */
export async function apiKeysCommand(
  args: readonly string[],
  options: { email?: string; name?: string; role?: string },
  io: CliIo,
): Promise<number> {
  if (args.length !== 1 || args[0] !== 'create') throw new CliError(USAGE, 2);
  if (options.email === undefined || options.name === undefined)
    throw new CliError(`--email and --name are required\n${USAGE}`, 2);
  const role = parseRole(options.role);
  const { email, name } = options;
  return withStore(io, async (store) => {
    const user = await store.getUserByEmail(normalizeEmail(email));
    if (!user) throw new CliError(`No user with email ${email}.`);
    if (user.disabled) throw new CliError(`${user.email} is disabled.`);
    const service = new ApiKeyService({ store, audit: new AuditLog(store) });
    const { key, apiKey } = await service.create(
      { user, actor: cliActor() },
      { name, ...(role === undefined ? {} : { role }) },
    );
    io.stderr.write(`API key ${apiKey.id} (${apiKey.role}) for ${user.email}; it is shown once:\n`);
    io.stdout.write(`${key}\n`);
    return 0;
  });
}
