// X-Twilio-Signature, exactly as docs/providers/twilio.md C.7 describes it:
//   data = URL as configured, then for each POST parameter in key order (UTF-16 code units):
//   key + value (repeated keys: key + value for each distinct value, in sorted order);
//   signature = base64(HMAC-SHA1(auth token, data)).
// JSON-body webhooks carry `bodySHA256=<hex sha256 of the body>` in the URL and are signed over
// the URL alone. Shared by the adapter (verification) and the sandbox (signing).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-twilio-signature';
/** Seen on Twilio's webhook requests (C.6); undocumented, so only ever used as a hint. */
export const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

/** Decoded POST parameters; a key sent more than once holds all its values. */
export type TwilioParams = Record<string, string | readonly string[]>;

export function twilioSignature(authToken: string, url: string, params: TwilioParams = {}): string {
  const hmac = createHmac('sha1', authToken);
  hmac.update(url, 'utf8');
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    if (typeof value === 'string') {
      hmac.update(key + value, 'utf8');
    } else {
      for (const v of [...new Set(value)].sort()) hmac.update(key + v, 'utf8');
    }
  }
  return hmac.digest('base64');
}

/** Form-decodes a body (`application/x-www-form-urlencoded`), keeping repeated keys as arrays. */
export function formParams(body: Buffer | string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const text = typeof body === 'string' ? body : body.toString('utf8');
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else if (typeof seen === 'string') out[key] = [seen, value];
    else seen.push(value);
  }
  return out;
}

/** Lower-case hex SHA-256 of a raw body: the `bodySHA256` URL parameter of JSON webhooks. */
export function bodySha256(rawBody: Buffer | string): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * The URL as given plus its form with and without the scheme's default port: Twilio's own
 * validator accepts both, because the URL Twilio signs may or may not show `:443` / `:80`.
 * A non-default port is always part of what was signed.
 */
export function urlVariants(url: string): string[] {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([\s\S]*)$/.exec(url);
  if (!m) return [url];
  const scheme = m[1]!;
  const authority = m[2]!;
  const rest = m[3]!;
  const defaultPort = DEFAULT_PORTS[scheme.toLowerCase()];
  if (!defaultPort) return [url];
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  // "[v6]:port" or "host:port"; the port may be absent.
  const split = hostPort.startsWith('[') ? hostPort.indexOf(']') + 1 : hostPort.lastIndexOf(':');
  const hasColon = split > 0 && hostPort[split] === ':';
  const host = hasColon ? hostPort.slice(0, split) : hostPort;
  const port = hasColon ? hostPort.slice(split + 1) : '';
  if (port !== '' && port !== defaultPort) return [url];
  const withoutPort = `${scheme}://${userinfo}${host}${rest}`;
  const withPort = `${scheme}://${userinfo}${host}:${defaultPort}${rest}`;
  return [...new Set([url, withoutPort, withPort])];
}

/** Constant-time equality of two strings' bytes (false on different lengths). */
export function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `signature` signs `params` posted to `url` (with or without the default port). */
export function isValidTwilioSignature(authToken: string, signature: string, url: string, params: TwilioParams): boolean {
  let valid = false;
  // Every variant is checked, so the time taken does not say which one matched.
  for (const candidate of urlVariants(url)) {
    if (sameBytes(twilioSignature(authToken, candidate, params), signature)) valid = true;
  }
  return valid;
}

export type BodySignatureCheck = { ok: true } | { ok: false; reason: string };

/** A JSON-body webhook: the URL's `bodySHA256` must match the body, and the URL alone is signed. */
export function checkTwilioBodySignature(authToken: string, signature: string, url: string, rawBody: Buffer | string): BodySignatureCheck {
  let hash: string | null;
  try {
    hash = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return { ok: false, reason: 'webhook URL cannot be parsed' };
  }
  if (!hash) return { ok: false, reason: 'JSON webhook without a bodySHA256 URL parameter' };
  if (!sameBytes(hash, bodySha256(rawBody))) return { ok: false, reason: 'bodySHA256 does not match the body' };
  if (!isValidTwilioSignature(authToken, signature, url, {})) return { ok: false, reason: 'X-Twilio-Signature does not match' };
  return { ok: true };
}
