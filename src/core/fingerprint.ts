// A request's fingerprint: the SHA-256 of its JSON with object keys sorted, so the same request
// sent again with its fields in another order has the same fingerprint. Idempotency keys use it
// to tell a retry from a different request under a reused key.
import { sha256Hex } from './crypto.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function requestFingerprint(request: unknown): string {
  return sha256Hex(Buffer.from(JSON.stringify(canonical(request)) ?? 'null'));
}
