import { userInfo } from 'node:os';
import { FlowstateError } from '@flowstate/core';
import type { AuditActor, Store } from '@flowstate/engine';
import { loadConfig, loadDotEnv, type ServerConfig } from '@flowstate/server';
import { PostgresStore } from '@flowstate/store-postgres';
import { SqliteStore } from '@flowstate/store-sqlite';
import { CliError, type CliIo } from './io.js';

/**
 * Runs `task` on the configured store (`.env` and the environment, as `start` reads them):
 * PostgreSQL with `DATABASE_URL`, where servers may keep running meanwhile, or the data
 * folder's SQLite file, which allows one process per folder: then these commands are for a
 * stopped server, and while it runs the HTTP API makes the same changes.
 */
export async function withStore<T>(
  io: CliIo,
  task: (store: Store, config: ServerConfig) => Promise<T>,
): Promise<T> {
  loadDotEnv(io.cwd);
  const config = loadConfig(io.env);
  let store: Store;
  try {
    store =
      config.databaseUrl === undefined
        ? await SqliteStore.open(config.dataDir, { synchronous: 'FULL' })
        : await PostgresStore.connect({
            connectionString: config.databaseUrl,
            poolSize: 2,
            applicationName: 'flowstate-cli',
          });
  } catch (error) {
    if (error instanceof FlowstateError && error.code === 'DATA_DIR_LOCKED') {
      throw new CliError(
        `${error.message}\nStop the server first, or make this change through the HTTP API.`,
      );
    }
    throw error;
  }
  try {
    return await task(store, config);
  } finally {
    await store.close();
  }
}

/** Who the audit log names for changes made from the command line. */
export function cliActor(): AuditActor {
  let label = 'unknown';
  try {
    label = userInfo().username;
  } catch {
    // no user name on this system
  }
  return { type: 'cli', id: 'cli', label };
}

/** Reads all of standard input as text (for `--password-stdin`), without the final newline. */
export async function readStdin(io: CliIo): Promise<string> {
  if (io.stdin === undefined) throw new CliError('No standard input to read from.', 2);
  let text = '';
  for await (const chunk of io.stdin)
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text.replace(/\r?\n$/, '');
}
