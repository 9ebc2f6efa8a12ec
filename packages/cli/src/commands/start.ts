import { loadConfig, loadDotEnv, startServer, type RunningServer } from '@flowstate/server';
import type { CliIo } from '../io.js';

/**
 * `flowstate start`: reads `.env` and the environment, starts the server and keeps running
 * until SIGTERM/SIGINT (graceful shutdown, exit 0).
 */
export async function startCommand(
  io: CliIo,
  options: { handleSignals?: boolean } = {},
): Promise<RunningServer> {
  loadDotEnv(io.cwd);
  const config = loadConfig(io.env);
  return startServer(config, { handleSignals: options.handleSignals ?? true });
}
