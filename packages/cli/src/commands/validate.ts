import { SqliteStore } from '@flowstate/store-sqlite';
import { CliError, type CliIo } from '../io.js';
import { registryWithPlugins } from '../plugins.js';
import { formatProblem, loadWorkflowFile } from '../workflow-file.js';

/**
 * `flowstate validate FILE`: prints every problem as `path: message`; exit 1 if any. Node
 * types of plugins count as known (see {@link registryWithPlugins}).
 */
export async function validateCommand(positionals: readonly string[], io: CliIo): Promise<number> {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new CliError('Usage: flowstate validate FILE', 2);
  // The crm.* nodes are known too; validating never runs them (an in-memory store backs them).
  const crmStore = new SqliteStore({ filename: ':memory:' });
  let loaded: Awaited<ReturnType<typeof loadWorkflowFile>>;
  try {
    await crmStore.migrate();
    loaded = await loadWorkflowFile(file, io.cwd, await registryWithPlugins(io, crmStore));
  } finally {
    await crmStore.close();
  }
  if (loaded.problems.length === 0) {
    io.stdout.write('valid\n');
    return 0;
  }
  for (const problem of loaded.problems) io.stdout.write(`${formatProblem(problem)}\n`);
  const count = loaded.problems.length;
  io.stderr.write(`${file}: ${count} problem${count === 1 ? '' : 's'}\n`);
  return 1;
}
