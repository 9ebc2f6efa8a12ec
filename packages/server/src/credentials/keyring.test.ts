import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { keyIdOf, Keyring } from './keyring.js';
import { loadKeyring, parseSecretKey, SECRET_KEY_FILE } from './secret-key.js';

describe('Keyring (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const ring = new Keyring(key);

  test('round-trips, with a fresh nonce each time and the key id attached', () => {
    const a = ring.seal('{"token":"s3cret"}', 'cred_1');
    const b = ring.seal('{"token":"s3cret"}', 'cred_1');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.keyId).toBe(keyIdOf(key));
    expect(Buffer.from(a.ciphertext, 'base64').toString('latin1')).not.toContain('s3cret');
    expect(ring.open(a, 'cred_1')).toBe('{"token":"s3cret"}');
  });

  test('a ciphertext moved to another credential, or altered, does not decrypt', () => {
    const sealed = ring.seal('secret', 'cred_1');
    expect(() => ring.open(sealed, 'cred_2')).toThrow(/altered, or moved/);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => ring.open({ ...sealed, ciphertext: bytes.toString('base64') }, 'cred_1')).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_DECRYPT_FAILED' }),
    );
  });

  test('old keys still decrypt after a change; unknown keys are named', () => {
    const sealed = ring.seal('old', 'c');
    const next = new Keyring(randomBytes(32), [key]);
    expect(next.currentKeyId).not.toBe(sealed.keyId);
    expect(next.keyIds).toEqual([next.currentKeyId, sealed.keyId]);
    expect(next.open(sealed, 'c')).toBe('old');
    expect(() => new Keyring(randomBytes(32)).open(sealed, 'c')).toThrow(
      new RegExp(`key ${sealed.keyId}, which is not configured.*FLOWSTATE_SECRET_KEY_PREVIOUS`),
    );
  });

  test('refuses keys that are not 32 bytes', () => {
    expect(() => new Keyring(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('loading the key', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowstate-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test('parses base64 and hex; refuses anything else naming the variable', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('base64'), 'V')).toEqual(key);
    expect(parseSecretKey(key.toString('hex'), 'V')).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'), 'V')).toEqual(key);
    expect(() => parseSecretKey('too-short', 'FLOWSTATE_SECRET_KEY')).toThrow(
      /FLOWSTATE_SECRET_KEY: must be 32 random bytes/,
    );
    expect(() => parseSecretKey(randomBytes(31).toString('hex'), 'V')).toThrow(/32 random/);
  });

  test('without FLOWSTATE_SECRET_KEY a key is generated once, mode 0600, and reused', () => {
    const dir = tempDir();
    const first = loadKeyring({ dataDir: dir });
    const file = join(dir, SECRET_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadKeyring({ dataDir: dir }).currentKeyId).toBe(first.currentKeyId);
    expect(readFileSync(file, 'utf8').trim()).toHaveLength(44);
  });

  test('a configured key encrypts; the generated one and previous keys still decrypt', () => {
    const dir = tempDir();
    const generated = loadKeyring({ dataDir: dir });
    const old = generated.seal('x', 'c');
    const previous = randomBytes(32);
    const current = randomBytes(32);
    const ring = loadKeyring({
      dataDir: dir,
      current: current.toString('base64'),
      previous: ` ${previous.toString('hex')} ,`,
    });
    expect(ring.currentKeyId).toBe(keyIdOf(current));
    expect(ring.keyIds).toEqual([keyIdOf(current), keyIdOf(previous), generated.currentKeyId]);
    expect(ring.open(old, 'c')).toBe('x');
  });

  test('a corrupt key file is reported, not replaced', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SECRET_KEY_FILE), 'garbage');
    expect(() => loadKeyring({ dataDir: dir })).toThrow(/secret\.key: must be 32 random bytes/);
    expect(readFileSync(join(dir, SECRET_KEY_FILE), 'utf8')).toBe('garbage');
  });
});
