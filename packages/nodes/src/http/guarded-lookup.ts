import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { AddressNotAllowedError, type AddressPolicy } from './address-policy.js';

/** Resolves a host name to every address it has (what `dns.lookup(host, { all: true })` does). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The system resolver: `dns.lookup` with `all: true`, honouring /etc/hosts like every client. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `net.connect` that resolves the host and refuses if ANY address is blocked
 * by `policy`, then hands the socket exactly the addresses it checked. The check and the
 * connection use the same answer, so there is no DNS-rebinding window between them.
 */
export function createGuardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.find(({ address }) => !policy.allows(hostname, address));
        if (refused !== undefined) {
          callback(
            new AddressNotAllowedError(hostname, refused.address) as NodeJS.ErrnoException,
            '',
          );
          return;
        }
        const family =
          options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        const first = usable[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, '');
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
