// Which endpoint URLs an admin may point an integration at, and which addresses the hub may
// connect to for a provider. An integration's URL is a request the hub makes with its own
// network position: cloud metadata (169.254.169.254) or a service listening on loopback must
// not be reachable that way. Private ranges stay allowed: a self-hosted hub may well reach its
// provider through a proxy on the local network.
import { BlockList, isIP } from 'node:net';

export interface AddressPolicy {
  /** Loopback (127.0.0.0/8, ::1, `localhost`) is allowed: the sandboxes of the demo and the tests run there. */
  allowLoopback: boolean;
}

/** The refused kinds of address, each with the reason given to the admin. */
interface AddressRule {
  kind: 'link-local' | 'unspecified' | 'loopback';
  reason: string;
  list: BlockList;
}

/**
 * IPv6 prefixes that carry an IPv4 address in their last 32 bits and may reach it: IPv4-mapped
 * (::ffff:0:0/96), the NAT64 well-known prefix (64:ff9b::/96) and the deprecated
 * IPv4-compatible form (::/96). The first is matched by BlockList's IPv4 rules already; listing
 * them all keeps the rule tables plain.
 */
const EMBEDDING_PREFIXES = ['::ffff:', '64:ff9b::', '::'] as const;

function rule(kind: AddressRule['kind'], reason: string, ipv4: [string, number], ipv6: [string, number][], embedIn: readonly string[]): AddressRule {
  const list = new BlockList();
  list.addSubnet(ipv4[0], ipv4[1], 'ipv4');
  for (const [address, prefix] of ipv6) list.addSubnet(address, prefix, 'ipv6');
  for (const p of embedIn) list.addSubnet(`${p}${ipv4[0]}`, 96 + ipv4[1], 'ipv6');
  return { kind, reason, list };
}

const LOOPBACK = rule('loopback', 'a loopback address (127.0.0.0/8, ::1, localhost)', ['127.0.0.0', 8], [['::1', 128]], EMBEDDING_PREFIXES);

const RULES: readonly AddressRule[] = [
  rule('link-local', 'a link-local address (169.254.0.0/16, fe80::/10), where cloud metadata services answer', ['169.254.0.0', 16], [['fe80::', 10]], EMBEDDING_PREFIXES),
  // Not in ::/96's embedded form: ::/104 would take in ::1, which is loopback, not unspecified.
  rule('unspecified', 'an unspecified address (0.0.0.0/8, ::), which reaches this host', ['0.0.0.0', 8], [['::', 128]], ['::ffff:', '64:ff9b::']),
  LOOPBACK,
];

/** Why the hub may not connect to `ip` (an IPv4 or IPv6 literal, no brackets), or null when it may. */
export function refusedAddress(ip: string, policy: AddressPolicy): string | null {
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const r of RULES) {
    if (r.kind === 'loopback' && policy.allowLoopback) continue;
    if (r.list.check(ip, type)) return r.reason;
  }
  return null;
}

/** `localhost` and its subdomains (RFC 6761), with or without the trailing dot. */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return name === 'localhost' || name.endsWith('.localhost');
}

export type ProviderUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Whether `value` may be a provider endpoint: an absolute http(s) URL with no credentials, no
 * fragment, and a host that is not link-local, unspecified or (unless allowed) loopback. The
 * WHATWG parser turns every spelling of an IPv4 address (decimal, hex, octal, short forms) into
 * dotted decimal and compresses IPv6, so the address rules see one form. A host name is
 * checked again where it matters, at connect time (providers/guarded-connector.ts), since it
 * can resolve anywhere.
 */
export function checkProviderUrl(value: string, policy: AddressPolicy): ProviderUrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `must use http or https, not ${url.protocol.slice(0, -1)}` };
  // Credentials in a URL end up in logs and error texts; providers take them as secrets.
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials (user:password@); put them in secrets' };
  // An empty fragment ("…#") leaves `hash` empty but still shows in the serialisation.
  if (url.href.includes('#')) return { ok: false, reason: 'must not have a fragment (#…)' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!policy.allowLoopback && isLocalhostName(host)) return { ok: false, reason: `must not point at ${LOOPBACK.reason}` };
  const refused = refusedAddress(host, policy);
  if (refused) return { ok: false, reason: `must not point at ${refused}` };
  return { ok: true, url };
}
