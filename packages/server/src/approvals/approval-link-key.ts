import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File in the data folder holding the approval-link key when no secret key is configured. */
export const APPROVAL_LINK_KEY_FILE = 'approval-links.key';

/**
 * The HMAC key that signs approval links. Isolated so the server-wide secret handling can
 * replace it: derived (HKDF-SHA256) from `secretKey` (`FLOWSTATE_SECRET_KEY`) when given;
 * otherwise read from `<dataDir>/approval-links.key`, created with 32 random bytes on first
 * use; otherwise (tests, no data folder) random for this process, so links die with it.
 */
export function loadApprovalLinkKey(source: { secretKey?: string; dataDir?: string }): Buffer {
  if (source.secretKey !== undefined && source.secretKey !== '') {
    return Buffer.from(
      hkdfSync('sha256', source.secretKey, 'flowstate', 'flowstate approval links v1', 32),
    );
  }
  if (source.dataDir === undefined) return randomBytes(32);
  const file = join(source.dataDir, APPROVAL_LINK_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(source.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (key.length < 32) throw new Error(`${file} must hold at least 32 bytes as hex`);
  return key;
}
