import { describe, expect, test } from 'vitest';
import { redactJson, Redactor, REDACTED, scrubString, secretList } from './redaction.js';

describe('redaction', () => {
  test.each([
    ['Bearer abcd1234', ['abcd1234'], `Bearer ${REDACTED}`],
    ['x abcd1234 y abcd1234', ['abcd1234'], `x ${REDACTED} y ${REDACTED}`],
    ['postgres://u:pw12345@h/db', secretList(['pw12345', 'postgres://u:pw12345@h/db']), REDACTED],
    ['nothing here', ['abcd1234'], 'nothing here'],
  ])('scrubString(%j)', (text, secrets, expected) => {
    expect(scrubString(text, secrets)).toBe(expected);
  });

  test('redactJson replaces in strings and keys at any depth, and copies only what changed', () => {
    const clean = { a: [1, 'two', { three: null }] };
    const value = { clean, dirty: { list: ['ok', 'has s3cr3t!'], s3cr3t: true } };
    const result = redactJson(value, ['s3cr3t']);
    expect(result).toEqual({
      clean,
      dirty: { list: ['ok', `has ${REDACTED}!`], [REDACTED]: true },
    });
    expect(result.clean).toBe(clean);
    expect(redactJson(clean, ['s3cr3t'])).toBe(clean);
    expect(redactJson(value, [])).toBe(value);
  });

  test('Redactor ignores short strings and learns JSON-escaped forms', () => {
    const redactor = new Redactor();
    redactor.add(['ab', 'a"bc\\d']);
    expect(redactor.size).toBe(2);
    expect(redactor.scrubText('ab "a\\"bc\\\\d"')).toBe(`ab "${REDACTED}"`);
    expect(redactor.scrubJson({ k: 'a"bc\\d' })).toEqual({ k: REDACTED });
  });
});
