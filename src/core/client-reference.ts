// The client_reference that teams sending straight through Sinch put on their batches so that
// delivery receipts land on the right profile: `$uid=<customer_id>$cat=<category>`.

/** The longest customer id the API takes, and so the longest `$uid` taken. */
export const MAX_CUSTOMER_ID_CHARS = 256;

export interface ClientReference {
  /** The customer id, or null when absent or empty. */
  uid: string | null;
  /** The category (e.g. `otp`, `payment`), or null. */
  category: string | null;
  /** Any other `key=value` pairs, kept for the record. */
  extra: Record<string, string>;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: the raw text is the best guess of what was meant.
    return value;
  }
}

/**
 * Parses `$key=value` pairs in any order. Keys are case-insensitive; values are trimmed and
 * URL-decoded; empty values count as absent; the first of a repeated key wins.
 */
export function parseClientReference(raw: string | null | undefined): ClientReference {
  const result: ClientReference = { uid: null, category: null, extra: {} };
  if (!raw) return result;
  const seen = new Set<string>();
  for (const pair of raw.split('$')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = decode(pair.slice(0, eq).trim()).toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    // Trimmed after decoding only: decoding never adds or removes raw whitespace, so trimming
    // before it too would change nothing.
    const value = decode(pair.slice(eq + 1)).trim();
    if (key === 'uid') result.uid = value || null;
    else if (key === 'cat') result.category = value || null;
    else if (value) result.extra[key] = value;
  }
  return result;
}

/** Builds the reference, for senders and tests. */
export function formatClientReference(uid: string, category?: string): string {
  return `$uid=${encodeURIComponent(uid)}${category ? `$cat=${encodeURIComponent(category)}` : ''}`;
}
