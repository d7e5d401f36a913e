// The connector of every connection to a provider: it checks the address it is about to connect
// to, not just the URL an admin saved. A host name that passed the check when saved can resolve
// to cloud metadata or loopback later (DNS rebinding, a changed record), and a stored URL may
// predate the check; either way the connection is refused before a byte is written.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { refusedAddress, type AddressPolicy } from '../core/provider-url.js';

/** The `code` of a refused connection: sendFailure counts it a refusal, never a retry or an unknown outcome. */
export const ADDRESS_REFUSED = 'ERR_PROVIDER_ADDRESS_REFUSED';

export class ProviderAddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;

  constructor(host: string, address: string, reason: string, loopback: boolean) {
    const target = host === address ? address : `${host} (${address})`;
    // What an operator needs to act: where it went, why not, and the switch if it is meant.
    const hint = loopback ? '; set ALLOW_LOOPBACK_PROVIDER_URLS=true if the provider really runs on this host' : '';
    super(`refused to connect to ${target}: it is ${reason}${hint}`);
    this.name = 'ProviderAddressRefusedError';
  }
}

function refusedOnlyAsLoopback(address: string): boolean {
  return refusedAddress(address, { allowLoopback: true }) === null;
}

/**
 * A `lookup` for net/tls.connect that resolves as usual and drops the addresses `policy` refuses;
 * with none left it fails with ADDRESS_REFUSED.
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const allowed = addresses.filter((a) => refusedAddress(a.address, policy) === null);
      const first = allowed[0];
      if (!first) {
        const refused = addresses[0]!;
        const reason = refusedAddress(refused.address, policy)!;
        return callback(new ProviderAddressRefusedError(hostname, refused.address, reason, refusedOnlyAsLoopback(refused.address)), '');
      }
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * An undici connector (the `connect` option of an Agent) that refuses addresses `policy` does
 * not allow. An IP literal in the URL is checked here, since net.connect skips `lookup` for it;
 * a name is checked on each address it resolves to.
 */
export function guardedConnector(policy: AddressPolicy, options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const connect = buildConnector({ ...options, lookup: guardedLookup(policy) });
  return (opts, callback) => {
    const host = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
    if (isIP(host)) {
      const reason = refusedAddress(host, policy);
      if (reason) return callback(new ProviderAddressRefusedError(host, host, reason, refusedOnlyAsLoopback(host)), null);
    }
    connect(opts, callback);
  };
}
