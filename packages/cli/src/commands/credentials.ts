import { Redactor } from '@flowstate/engine';
import { AuditLog, CredentialService, loadKeyring } from '@flowstate/server';
import { cliActor, withStore } from '../data-dir.js';
import { CliError, type CliIo } from '../io.js';

/**
 * `flowstate credentials rotate`: re-encrypts every credential not on the current key
 * (`FLOWSTATE_SECRET_KEY`, or the data folder's key), reading old rows with the keys in
 * `FLOWSTATE_SECRET_KEY_PREVIOUS`. Exit 1 if any row could not be read.
 */
export async function credentialsCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || args[0] !== 'rotate')
    throw new CliError('Usage: flowstate credentials rotate', 2);
  return withStore(io, async (store, config) => {
    const keyring = loadKeyring({
      dataDir: config.dataDir,
      ...(config.secretKey === undefined ? {} : { current: config.secretKey }),
      ...(config.secretKeyPrevious === undefined ? {} : { previous: config.secretKeyPrevious }),
    });
    const service = new CredentialService({
      store,
      keyring,
      audit: new AuditLog(store),
      redactor: new Redactor(),
    });
    const result = await service.rotate(cliActor());
    io.stdout.write(
      `key ${keyring.currentKeyId}: ${result.rotated} re-encrypted, ${result.current} already current, ${result.failed.length} failed\n`,
    );
    for (const failure of result.failed)
      io.stderr.write(`${failure.name} (${failure.id}): ${failure.error}\n`);
    return result.failed.length === 0 ? 0 : 1;
  });
}
