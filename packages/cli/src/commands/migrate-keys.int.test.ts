import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf } from '@flowstate/server';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { planKeys } from './migrate-keys.js';

let dir: string;
const fileKey = randomBytes(32);
const envKey = randomBytes(32);
const otherKey = randomBytes(32);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowstate-keys-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const uses = (...keys: Buffer[]) =>
  new Map(keys.map((key, i) => [keyIdOf(key), [`credential ${i}`]]));

describe('planKeys', () => {
  test("prints the data folder's generated key when no key is configured", async () => {
    await writeFile(join(dir, 'secret.key'), `${fileKey.toString('base64')}\n`);
    const plan = planKeys({ dataDir: dir, env: {}, credentialKeys: uses(fileKey) });
    expect(plan.secretKey).toBe(fileKey.toString('base64'));
    expect(plan.previous).toBeUndefined();
    expect(plan.lines.join('\n')).toContain(`FLOWSTATE_SECRET_KEY=${fileKey.toString('base64')}`);
  });

  test('keeps a configured key and carries the generated one as a previous key', async () => {
    await writeFile(join(dir, 'secret.key'), fileKey.toString('hex'));
    const plan = planKeys({
      dataDir: dir,
      env: { FLOWSTATE_SECRET_KEY: envKey.toString('base64') },
      credentialKeys: uses(envKey, fileKey),
    });
    expect(plan.secretKey).toBe(envKey.toString('base64'));
    expect(plan.previous).toBe(fileKey.toString('base64'));
    expect(plan.lines[0]).toContain('keep the value set');
  });

  test('refuses when a credential was sealed with a key it cannot find', async () => {
    await writeFile(join(dir, 'secret.key'), fileKey.toString('base64'));
    expect(() =>
      planKeys({ dataDir: dir, env: {}, credentialKeys: uses(fileKey, otherKey) }),
    ).toThrow(new RegExp(`key ${keyIdOf(otherKey)} \\(credentials: credential 1\\) is sealed`));
  });

  test('refuses naming the file when the generated key cannot be read', async () => {
    await writeFile(join(dir, 'secret.key'), 'not a key');
    expect(() => planKeys({ dataDir: dir, env: {}, credentialKeys: uses(fileKey) })).toThrow(
      /secret\.key cannot be read: .*must be 32 random bytes/,
    );
  });

  test('without credentials any new key will do', () => {
    const plan = planKeys({ dataDir: dir, env: {}, credentialKeys: new Map() });
    expect(plan.secretKey).toBeUndefined();
    expect(plan.lines).toEqual([expect.stringContaining('openssl rand -base64 32')]);
  });
});
