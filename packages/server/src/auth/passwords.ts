import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * Default cost: N = 2^15, r = 8, p = 3, one of OWASP's recommended scrypt settings (32 MiB,
 * about a quarter of a second per hash on a small server).
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 32_768, r: 8, p: 3 });
const COST = DEFAULT_SCRYPT_COST;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;
/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...cost, maxmem: 256 * cost.N * cost.r } satisfies ScryptOptions,
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/**
 * Hashes a password with scrypt and a random per-user salt. The result names its parameters
 * (`scrypt$N$r$p$salt$hash`, base64), so costs can be raised without breaking old hashes.
 */
export async function hashPassword(password: string, cost: ScryptCost = COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join(
    '$',
  );
}

/** Checks a password against a hash from {@link hashPassword}, in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Object.values(cost).every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), cost);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, verified against for unknown emails so timing tells nothing. */
export function unusablePasswordHash(cost: ScryptCost = COST): string {
  const zeros = (bytes: number) => Buffer.alloc(bytes).toString('base64');
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${zeros(SALT_BYTES)}$${zeros(KEY_LENGTH)}`;
}
