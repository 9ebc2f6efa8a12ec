import { userInfo } from 'node:os';
import { FlowstateError } from '@flowstate/core';
import type { AuditActor } from '@flowstate/engine';
import { loadConfig, loadDotEnv, type ServerConfig } from '@flowstate/server';
import { SqliteStore } from '@flowstate/store-sqlite';
import { CliError, type CliIo } from './io.js';

/**
 * Runs `task` on the store of the configured data folder (`.env` and the environment, as
 * `start` reads them). Embedded mode allows one process per folder, so these commands are
 * for a stopped server; while it runs, use the HTTP API instead.
 */
export async function withDataDir<T>(
  io: CliIo,
  task: (store: SqliteStore, config: ServerConfig) => Promise<T>,
): Promise<T> {
  loadDotEnv(io.cwd);
  const config = loadConfig(io.env);
  let store: SqliteStore;
  try {
    store = await SqliteStore.open(config.dataDir, { synchronous: 'FULL' });
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
