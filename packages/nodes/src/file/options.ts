import { resolve } from 'node:path';

/** Host configuration of `file.read` / `file.write` (and of `sql.query`'s SQLite files). */
export interface FileNodeOptions {
  /** The folder workflows may read and write; nothing outside it is reachable. */
  root: string;
}

/** `FLOWSTATE_DATA_DIR/files` (data folder default `./.flowstate`), resolved against `cwd`. */
export function fileOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): FileNodeOptions {
  return { root: resolve(cwd, env['FLOWSTATE_DATA_DIR'] ?? './.flowstate', 'files') };
}
