import { describe, expect, test } from 'vitest';
import { embeddedIpv4, ipv6Bytes, isBlockedAddress } from './ip-ranges.js';

describe('isBlockedAddress', () => {
  test.each([
    ['10.0.0.1', true, 'private 10/8'],
    ['10.255.255.255', true, 'private 10/8 top'],
    ['172.16.0.1', true, 'private 172.16/12'],
    ['172.31.255.255', true, 'private 172.16/12 top'],
    ['172.32.0.1', false, 'just above 172.16/12'],
    ['172.15.255.255', false, 'just below 172.16/12'],
    ['192.168.1.1', true, 'private 192.168/16'],
    ['127.0.0.1', true, 'loopback'],
    ['127.255.0.9', true, 'loopback /8'],
    ['169.254.169.254', true, 'cloud metadata'],
    ['169.254.1.1', true, 'link-local'],
    ['0.0.0.0', true, 'unspecified'],
    ['100.64.0.1', true, 'CGNAT'],
    ['100.127.255.255', true, 'CGNAT top'],
    ['100.128.0.0', false, 'above CGNAT'],
    ['224.0.0.1', true, 'multicast'],
    ['255.255.255.255', true, 'broadcast'],
    ['8.8.8.8', false, 'public'],
    ['93.184.216.34', false, 'public'],
    ['::1', true, 'IPv6 loopback'],
    ['::', true, 'IPv6 unspecified'],
    ['fc00::1', true, 'unique local'],
    ['fd12:3456::1', true, 'unique local fd'],
    ['fd00:ec2::254', true, 'EC2 metadata IPv6'],
    ['fe80::1', true, 'link-local'],
    ['fe80::1%eth0', true, 'link-local with zone'],
    ['febf::1', true, 'link-local top'],
    ['ff02::1', true, 'multicast'],
    ['::ffff:127.0.0.1', true, 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', true, 'IPv4-mapped loopback, hex form'],
    ['::ffff:169.254.169.254', true, 'IPv4-mapped metadata'],
    ['::ffff:10.0.0.1', true, 'IPv4-mapped private'],
    ['::ffff:8.8.8.8', false, 'IPv4-mapped public'],
    ['64:ff9b::a9fe:a9fe', true, 'NAT64 of metadata'],
    ['64:ff9b::808:808', false, 'NAT64 of public'],
    ['2002:7f00:1::', true, '6to4 of loopback'],
    ['2606:4700:4700::1111', false, 'public IPv6'],
    ['2001:4860:4860::8888', false, 'public IPv6'],
    ['not-an-ip', true, 'not an address'],
    ['', true, 'empty'],
  ])('%s -> %s (%s)', (address, expected) => {
    expect(isBlockedAddress(address)).toBe(expected);
  });
});

describe('ipv6 helpers', () => {
  test('expands compressed forms', () => {
    expect(ipv6Bytes('::1')).toEqual([...new Array<number>(15).fill(0), 1]);
    expect(ipv6Bytes('1.2.3.4')).toBeUndefined();
  });
  test('extracts embedded IPv4', () => {
    expect(embeddedIpv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIpv4('::ffff:102:304')).toBe('1.2.3.4');
    expect(embeddedIpv4('2001:db8::1')).toBeUndefined();
  });
});
