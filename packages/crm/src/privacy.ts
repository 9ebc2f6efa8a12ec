/** What erased values are replaced with. */
export const ERASED = '[erased]';

/** The values that identify a contact in free text: id, email, name, phone (3+ characters). */
export function piiNeedles(contact: Record<string, unknown>): string[] {
  return [contact['id'], contact['email'], contact['name'], contact['phone']]
    .filter((v): v is string => typeof v === 'string' && v.trim().length >= 3)
    .map((v) => v.trim().toLowerCase());
}

/**
 * Replaces every string in `value` that contains one of `needles` (case-insensitive) with
 * `[erased]`, recursively through arrays and objects (keys are kept). Whole strings go, not
 * just the matching part: "Call Ann Lee at 5" says who it was about. Returns the scrubbed
 * copy and how many strings were replaced.
 *
 * @example
 * scrubPii({ to: 'ann@example.com', n: 3 }, ['ann@example.com']); // { value: { to: '[erased]', n: 3 }, replaced: 1 }
 */
export function scrubPii<T>(value: T, needles: readonly string[]): { value: T; replaced: number } {
  let replaced = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const lower = v.toLowerCase();
      if (needles.some((n) => lower.includes(n))) {
        replaced += 1;
        return ERASED;
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    }
    return v;
  };
  const result = walk(value) as T;
  return { value: result, replaced };
}
