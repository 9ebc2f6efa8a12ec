import {
  ConfigError,
  loadConfig,
  loadDotEnv,
  startServer,
  type RunningServer,
} from '@flowstate/server';
import { setFlagsFromString } from 'node:v8';
import { CliError, type CliIo } from '../io.js';

/**
 * `flowstate start` (and `flowstate worker`, which is `start` with `FLOWSTATE_ROLE=worker`):
 * reads `.env` and the environment, starts the server and keeps running until SIGTERM/SIGINT
 * (graceful shutdown, exit 0).
 */
export async function startCommand(
  io: CliIo,
  options: { handleSignals?: boolean; role?: 'worker' } = {},
): Promise<RunningServer> {
  loadDotEnv(io.cwd);
  let config;
  try {
    config = loadConfig(
      options.role === undefined ? io.env : { ...io.env, FLOWSTATE_ROLE: options.role },
    );
  } catch (error) {
    if (options.role !== undefined && error instanceof ConfigError) {
      if (error.variable === 'FLOWSTATE_ROLE') {
        throw new CliError(
          'flowstate worker needs PostgreSQL: set DATABASE_URL (the embedded SQLite store serves one process; use "flowstate start")',
          2,
        );
      }
    }
    throw error;
  }
  if (config.heapGrowthPercent > 0) {
    // Read by V8 at each full collection, so it applies from here on.
    setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
  }
  return startServer(config, { handleSignals: options.handleSignals ?? true });
}
