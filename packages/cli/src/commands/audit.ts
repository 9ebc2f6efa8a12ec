import { AuditLog } from '@flowstate/server';
import { withStore } from '../data-dir.js';
import { CliError, type CliIo } from '../io.js';

/**
 * `flowstate audit verify`: recomputes the audit log's hash chain from the first entry and
 * names the first entry that was altered, removed or re-ordered. Exit 1 when one was.
 */
export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || args[0] !== 'verify')
    throw new CliError('Usage: flowstate audit verify', 2);
  return withStore(io, async (store) => {
    const result = await new AuditLog(store).verify();
    if (result.ok) {
      const head = result.head
        ? `; last entry ${result.head.seq} has hash ${result.head.hash}`
        : '';
      io.stdout.write(`audit log intact: ${result.checked} entries${head}\n`);
      return 0;
    }
    io.stdout.write(
      `audit log broken at entry ${result.firstBad!.seq}: ${result.firstBad!.reason}\n`,
    );
    return 1;
  });
}
