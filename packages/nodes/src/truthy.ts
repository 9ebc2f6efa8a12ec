/**
 * Truthiness for conditions written by people: JavaScript's rules, except that the strings
 * "false", "0" and "" are false, because a template such as `{{ $input.active }}` often
 * yields a string.
 */
export function isTruthy(value: unknown): boolean {
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    return text !== '' && text !== 'false' && text !== '0';
  }
  return Boolean(value);
}
