import { parseArgs } from 'node:util';
import { FlowstateError } from '@flowstate/core';
import { CONFIG_VARIABLES } from '@flowstate/server';
import { apiKeysCommand } from './commands/api-keys.js';
import { auditCommand } from './commands/audit.js';
import { credentialsCommand } from './commands/credentials.js';
import { migrateCommand } from './commands/migrate.js';
import { runCommand } from './commands/run.js';
import { startCommand } from './commands/start.js';
import { usersCommand } from './commands/users.js';
import { validateCommand } from './commands/validate.js';
import { CliError, type CliIo } from './io.js';

/** Text of `flowstate --help`. */
export function helpText(): string {
  const variables = CONFIG_VARIABLES.map(
    (v) =>
      `  ${v.name.padEnd(30)} ${v.description}${v.default === undefined ? '' : ` (default ${v.default})`}`,
  ).join('\n');
  return `Usage: flowstate <command> [options]

Commands:
  start                     Start the HTTP server and engine (configured by the environment / .env;
                            FLOWSTATE_ROLE=all|api|worker chooses what this process runs).
  worker                    Start a worker: runs steps, schedules and retention on PostgreSQL
                            (DATABASE_URL); serves only /healthz, /readyz and /metrics.
  validate FILE             Check a workflow file; prints each problem as "path: message".
  run FILE [--input JSON]   Run a workflow once in a temporary store; prints its output (stdout)
                            and a step timeline (stderr). Exit 1 if the execution failed.
      --input, -i JSON      Trigger input (default {}).
      --trigger NODE_ID     Trigger node to start at.
      --timeout MS          Give up waiting after MS milliseconds (default 300000).
      --simulate            Send nothing: HTTP requests, emails, messages, file and SQL writes
                            are recorded as they would be sent (see docs/workflows.md, 3.10).
  validate and run know the crm.* nodes (run writes them to its temporary store) and load
  node plugins like start: flowstate-node-* packages in ./node_modules and the folders of
  FLOWSTATE_PLUGINS; a broken plugin is reported on stderr and skipped.
  users create --email EMAIL (--password PASSWORD | --password-stdin) [--role ROLE] [--name NAME]
                            Create a user (the first one is an owner). Roles: viewer, editor,
                            admin, owner.
  users list                List users.
  api-keys create --email EMAIL --name NAME [--role ROLE]
                            Create an API key for a user; prints it once (Authorization: Bearer).
  credentials rotate        Re-encrypt every credential with the current FLOWSTATE_SECRET_KEY
                            (old rows are read with FLOWSTATE_SECRET_KEY_PREVIOUS).
  audit verify              Check the audit log's hash chain; names the first bad entry.
  migrate --to URL [--from DIR] [--dry-run]
                            Copy a stopped server's data folder (FLOWSTATE_DATA_DIR) into an empty
                            PostgreSQL database in one transaction: workflows, executions in
                            flight, schedules, users, sessions, API keys, credentials, audit log.
                            Prints the counts and the FLOWSTATE_SECRET_KEY to set. --dry-run
                            prints the counts and checks the target, writing nothing.
  The users, api-keys, credentials and audit commands work on the configured store: with
  DATABASE_URL also while servers run; on the data folder only of a stopped server (while it
  runs, use the HTTP API).

Options:
  --help, -h                Show this help.

Environment (start):
${variables}
`;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. `start`
 * returns 0 once listening; the server keeps the process alive.
 *
 * @example
 * const code = await main(['validate', 'flow.json'], processIo());
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        input: { type: 'string', short: 'i' },
        trigger: { type: 'string' },
        timeout: { type: 'string' },
        simulate: { type: 'boolean' },
        email: { type: 'string' },
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        role: { type: 'string' },
        name: { type: 'string' },
        to: { type: 'string' },
        from: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help === true || command === undefined || command === 'help') {
      io.stdout.write(helpText());
      return command === undefined && values.help !== true ? 2 : 0;
    }
    switch (command) {
      case 'validate':
        return await validateCommand(rest, io);
      case 'run':
        return await runCommand(
          rest,
          {
            ...(values.input === undefined ? {} : { input: values.input }),
            ...(values.trigger === undefined ? {} : { trigger: values.trigger }),
            ...(values.timeout === undefined ? {} : { timeoutMs: parseTimeout(values.timeout) }),
            ...(values.simulate ? { simulate: true } : {}),
          },
          io,
        );
      case 'start':
      case 'worker': {
        if (rest.length > 0)
          throw new CliError(
            `Usage: flowstate ${command} (configure with environment variables)`,
            2,
          );
        const server = await startCommand(io, command === 'worker' ? { role: 'worker' } : {});
        const what = command === 'worker' ? 'flowstate worker' : 'flowstate';
        io.stderr.write(`${what} listening on ${server.url}\n`);
        return 0;
      }
      case 'users':
        return await usersCommand(
          rest,
          {
            ...(values.email === undefined ? {} : { email: values.email }),
            ...(values.password === undefined ? {} : { password: values.password }),
            ...(values['password-stdin'] === true ? { passwordStdin: true } : {}),
            ...(values.role === undefined ? {} : { role: values.role }),
            ...(values.name === undefined ? {} : { name: values.name }),
          },
          io,
        );
      case 'api-keys':
        return await apiKeysCommand(
          rest,
          {
            ...(values.email === undefined ? {} : { email: values.email }),
            ...(values.name === undefined ? {} : { name: values.name }),
            ...(values.role === undefined ? {} : { role: values.role }),
          },
          io,
        );
      case 'credentials':
        return await credentialsCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case 'migrate':
        return await migrateCommand(
          rest,
          {
            ...(values.to === undefined ? {} : { to: values.to }),
            ...(values.from === undefined ? {} : { from: values.from }),
            ...(values['dry-run'] === true ? { dryRun: true } : {}),
          },
          io,
        );
      default:
        throw new CliError(`Unknown command "${command}". Run "flowstate --help" for the list.`, 2);
    }
  } catch (error) {
    return report(error, io);
  }
}

function parseTimeout(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new CliError(`--timeout must be a positive whole number of ms, got "${text}"`, 2);
  return value;
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof FlowstateError) {
    io.stderr.write(`${error.code}: ${error.message}\n`);
    return 1;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`${(error as Error).message}\nRun "flowstate --help" for usage.\n`);
    return 2;
  }
  io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
