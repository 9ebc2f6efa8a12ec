import type { JsonValue } from '@flowstate/core';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter strings are not redacted: replacing every "ab" in a journal would destroy it. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces known secret strings with `[redacted]` in text and JSON values. One instance is
 * shared by the engine (journals), the credential provider (which adds every secret it
 * decrypts) and the log stream. Secrets are matched longest first, so a database URL is
 * redacted whole before the password inside it.
 *
 * @example
 * const redactor = new Redactor();
 * redactor.add(['s3cr3t-token']);
 * redactor.scrubText('Bearer s3cr3t-token'); // 'Bearer [redacted]'
 */
export class Redactor {
  #secrets: string[] = [];
  readonly #known = new Set<string>();

  /**
   * Adds secrets (duplicates and strings under 4 characters are ignored). Each is also
   * learnt as it appears inside a JSON string (quotes and backslashes escaped), since log
   * lines are JSON.
   */
  add(values: Iterable<string>): void {
    let changed = false;
    for (const value of values) {
      for (const form of [value, JSON.stringify(value).slice(1, -1)]) {
        if (form.length < MIN_SECRET_LENGTH || this.#known.has(form)) continue;
        this.#known.add(form);
        changed = true;
      }
    }
    if (changed) this.#secrets = [...this.#known].sort((a, b) => b.length - a.length);
  }

  /** Number of secrets known. */
  get size(): number {
    return this.#secrets.length;
  }

  /** `text` with every known secret replaced. */
  scrubText(text: string): string {
    return scrubString(text, this.#secrets);
  }

  /** `value` with every known secret replaced in its strings and keys. */
  scrubJson<T extends JsonValue>(value: T): T {
    return redactJson(value, this.#secrets);
  }
}

/** Sorts secrets for {@link redactJson}: longest first, short ones dropped. */
export function secretList(values: Iterable<string>): string[] {
  return [...new Set(values)]
    .filter((value) => value.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
}

/** `text` with each of `secrets` (longest first) replaced by `[redacted]`. */
export function scrubString(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * `value` with `secrets` replaced in every string and object key. Returns `value` itself when
 * nothing matched, so clean values cost a walk and no copy.
 */
export function redactJson<T extends JsonValue>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return walk(value, secrets) as T;
}

function walk(value: JsonValue, secrets: readonly string[]): JsonValue {
  if (typeof value === 'string') return scrubString(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i]!;
      const next = walk(item, secrets);
      if (next !== item) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  let copy: Record<string, JsonValue> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key]!;
    const nextKey = scrubString(key, secrets);
    const next = walk(item, secrets);
    if (next === item && nextKey === key) continue;
    if (copy === undefined) copy = { ...value };
    if (nextKey !== key) delete copy[key];
    copy[nextKey] = next;
  }
  return copy ?? value;
}
