import { describe, expect, test } from 'vitest';
import { formatMailbox, InvalidAddressError, parseAddressList } from './email-address.js';

describe('parseAddressList', () => {
  test.each([
    ['ann@example.com', [{ name: '', address: 'ann@example.com' }]],
    ['Ann Lee <ann@example.com>', [{ name: 'Ann Lee', address: 'ann@example.com' }]],
    [
      'ann@example.com, "Lee, Bob" <bob@example.org>',
      [
        { name: '', address: 'ann@example.com' },
        { name: 'Lee, Bob', address: 'bob@example.org' },
      ],
    ],
    [
      'Team: ann@example.com, bob@example.org;',
      [
        { name: '', address: 'ann@example.com' },
        { name: '', address: 'bob@example.org' },
      ],
    ],
  ])('%s', (input, expected) => {
    expect(parseAddressList('to', input)).toEqual(expected);
  });

  test('an array names the bad index', () => {
    expect(() => parseAddressList('cc', ['ann@example.com', 'bob@'])).toThrow(
      'cc[1]: "bob@" is not a valid email address',
    );
  });

  test.each([
    ['not an address', 'to: "not an address" is not a valid email address'],
    ['ann@example.com\r\nBcc: eve@evil.test', 'contains a line break'],
    ['<@>', 'is not a valid email address'],
  ])('refuses %j', (input, message) => {
    expect(() => parseAddressList('to', input)).toThrow(message);
    expect(() => parseAddressList('to', input)).toThrow(InvalidAddressError);
  });

  test('undefined is no addresses', () => {
    expect(parseAddressList('bcc', undefined)).toEqual([]);
  });

  test('formatMailbox quotes names', () => {
    expect(formatMailbox({ name: 'Lee, "B"', address: 'b@example.org' })).toBe(
      '"Lee, \\"B\\"" <b@example.org>',
    );
    expect(formatMailbox({ name: '', address: 'b@example.org' })).toBe('b@example.org');
  });
});
