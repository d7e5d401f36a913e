// Small builders of canonical updates, shared by the providers' webhook parsers so an ignored
// callback, a provider timestamp and a provider number read the same whoever sent them.
import type { IgnoredCallback } from './types.js';

export function ignored(reason: string): IgnoredCallback {
  return { kind: 'ignored', reason };
}

/** A provider timestamp (ISO 8601 or anything `Date` reads), or null when absent or unreadable. */
export function parseDate(value: string | null): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Sinch often drops the "+" of international numbers (SMS MSISDNs, Conversation API channel
 * identities: B.5 fixtures `12345678910`, older WhatsApp docs `+46702471483`). Digit strings long
 * enough to be an E.164 number (7–15 digits) get it back; short codes, alphanumeric senders and
 * numbers that already have "+" are kept as given. Unlike core/phone.ts `normalizeMsisdn`, this
 * never validates nor drops a number: a report about an odd recipient must still be recorded.
 */
export function normalizeMsisdn(value: string): string {
  const v = value.trim();
  return /^\d{7,15}$/.test(v) ? `+${v}` : v;
}
