import { describe, expect, test } from 'vitest';
import { createAddressPolicy } from './address-policy.js';

describe('createAddressPolicy', () => {
  test('default: blocks private addresses, allows public ones', () => {
    const policy = createAddressPolicy();
    expect(policy.allows('example.com', '93.184.216.34')).toBe(true);
    expect(policy.allows('evil.example', '127.0.0.1')).toBe(false);
  });

  test.each([
    [['127.0.0.1'], 'x', '127.0.0.1', true],
    [['127.0.0.1'], 'x', '127.0.0.2', false],
    [['10.1.0.0/16'], 'x', '10.1.200.3', true],
    [['10.1.0.0/16'], 'x', '10.2.0.1', false],
    [['10.1.0.0/16'], 'x', '::ffff:10.1.0.1', true],
    [['fd12::/16'], 'x', 'fd12::5', true],
    [['[::1]'], '::1', '::1', true],
    [['crm.internal'], 'CRM.internal.', '10.0.0.5', true],
    [['crm.internal'], 'other.internal', '10.0.0.5', false],
    [['*.corp.example'], 'a.b.corp.example', '192.168.0.1', true],
    [['*.corp.example'], 'corp.example', '192.168.0.1', false],
  ])('allow-list %j: %s at %s -> %s', (allowedHosts, hostname, address, expected) => {
    expect(createAddressPolicy({ allowedHosts }).allows(hostname, address)).toBe(expected);
  });

  test('allowPrivateNetwork turns the guard off', () => {
    expect(createAddressPolicy({ allowPrivateNetwork: true }).allows('x', '169.254.169.254')).toBe(
      true,
    );
  });

  test.each([['10.0.0.0/33'], ['bad host!'], ['http://x.com'], ['::1/200']])(
    'rejects entry %j',
    (entry) => {
      expect(() => createAddressPolicy({ allowedHosts: [entry] })).toThrow(/allow-list entry/);
    },
  );
});
