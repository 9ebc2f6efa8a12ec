import { BlockList, isIP, isIPv4 } from 'node:net';

/** IPv4 ranges no workflow may reach unless allow-listed: private, loopback, link-local (cloud metadata), CGNAT, reserved. */
export const BLOCKED_IPV4_RANGES: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes the metadata service 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

/** IPv6 ranges blocked likewise; IPv4 embedded in IPv6 is checked against the IPv4 list. */
export const BLOCKED_IPV6_RANGES: readonly (readonly [string, number])[] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local, includes the EC2 metadata service fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of BLOCKED_IPV4_RANGES) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_IPV6_RANGES) blocked.addSubnet(net, prefix, 'ipv6');

/** The 16 bytes of an IPv6 address (zone id stripped), or undefined when it is not one. */
export function ipv6Bytes(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '').toLowerCase();
  if (isIP(text) !== 6) return undefined;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4 !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** The IPv4 address embedded in an IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address. */
export function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return undefined;
  const prefixIs = (prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  const zeros10 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  if (
    prefixIs([...zeros10, 0xff, 0xff]) ||
    prefixIs([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])
  ) {
    return bytes.slice(12).join('.');
  }
  if (prefixIs([0x20, 0x02])) return bytes.slice(2, 6).join('.');
  return undefined;
}

/**
 * True when `address` (an IP literal) is private, loopback, link-local, a metadata service,
 * unspecified, CGNAT, multicast or reserved, including such IPv4 addresses embedded in IPv6.
 * Anything that is not an IP address counts as blocked.
 */
export function isBlockedAddress(address: string): boolean {
  const plain = address.replace(/%.*$/, '');
  if (isIPv4(plain)) return blocked.check(plain, 'ipv4');
  if (isIP(plain) !== 6) return true;
  const v4 = embeddedIpv4(plain);
  if (v4 !== undefined && blocked.check(v4, 'ipv4')) return true;
  return blocked.check(plain, 'ipv6');
}
