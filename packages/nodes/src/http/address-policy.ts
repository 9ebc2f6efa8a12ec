import { BlockList, isIP } from 'node:net';
import { FlowstateError, NonRetriableError } from '@flowstate/core';
import { embeddedIpv4, isBlockedAddress } from './ip-ranges.js';

/** Host configuration of the HTTP node's network guard; not a workflow param. */
export interface AddressPolicyOptions {
  /**
   * Exceptions to the private-address block: host names (`api.internal`, `*.corp.example`),
   * IP addresses or CIDR ranges (`10.1.0.0/16`, `fd12::/16`).
   */
  allowedHosts?: readonly string[];
  /** Turns the guard off entirely (trusted single-user installs only). */
  allowPrivateNetwork?: boolean;
}

/** Decides whether a host name resolving to an address may be connected to. */
export interface AddressPolicy {
  allows(hostname: string, address: string): boolean;
}

/** Thrown when a request would reach a blocked address; retrying cannot help. */
export class AddressNotAllowedError extends NonRetriableError {
  override name = 'AddressNotAllowedError';
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(
      `Refusing to connect to ${hostname}${hostname === address ? '' : ` (${address})`}: private, loopback, ` +
        'link-local and metadata addresses are blocked; allow-list the host in FLOWSTATE_HTTP_ALLOW_HOSTS to permit it',
      { code: 'ADDRESS_NOT_ALLOWED' },
    );
  }
}

/** Lower-case, without IPv6 brackets or a trailing dot: the form allow-list entries are compared in. */
export function normalizeHostname(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** Builds the policy, checking every allow-list entry; a bad entry is a configuration error. */
export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  if (options.allowPrivateNetwork === true) return { allows: () => true };
  const ranges = new BlockList();
  const exactHosts = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of options.allowedHosts ?? []) {
    const entry = normalizeHostname(raw.trim());
    const [net = '', prefixText] = entry.split('/');
    const family = isIP(net);
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw invalidEntry(raw);
      }
      ranges.addSubnet(net, prefix, type);
    } else if (/^\*\.[a-z0-9.-]+$/.test(entry)) {
      suffixes.push(entry.slice(1));
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      exactHosts.add(entry);
    } else {
      throw invalidEntry(raw);
    }
  }
  const inRanges = (address: string): boolean => {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined && ranges.check(v4, 'ipv4')) return true;
    return ranges.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  };
  return {
    allows(hostname, address) {
      const host = normalizeHostname(hostname);
      if (exactHosts.has(host) || suffixes.some((suffix) => host.endsWith(suffix))) return true;
      if (isIP(address) !== 0 && inRanges(address)) return true;
      return !isBlockedAddress(address);
    },
  };
}

function invalidEntry(entry: string): FlowstateError {
  return new FlowstateError(
    'INVALID_HTTP_ALLOW_LIST',
    `HTTP allow-list entry "${entry}" is not a host name, "*.domain", IP address or CIDR range`,
  );
}
