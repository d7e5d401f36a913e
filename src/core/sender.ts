// What a sender (the "from" of a message) is, by its shape: a phone number, a short code, an
// alphanumeric sender ID or a Twilio Messaging Service. Which of these a provider takes on a
// channel is the provider's data (ProviderAdapter.senders); this module only classifies and words
// the refusal, so a bad sender is a 400 at the API, not a refusal at the provider later.
import { isGsm7 } from './segments.js';

export type SenderKind = 'e164' | 'msisdn' | 'short_code' | 'alphanumeric' | 'messaging_service';

/** How each kind reads in an error message. */
export const SENDER_KIND_NAMES: Readonly<Record<SenderKind, string>> = {
  e164: 'a phone number in E.164 (+ and 7 to 15 digits)',
  msisdn: 'a phone number without + (9 to 15 digits)',
  short_code: 'a short code (3 to 8 digits)',
  alphanumeric: 'an alphanumeric sender ID (up to 11 GSM characters, at least one letter)',
  messaging_service: 'a Twilio Messaging Service SID (MG and 32 hex digits)',
};

/** Operators show at most 11 characters of an alphanumeric sender (the GSM TP-OA field). */
export const MAX_ALPHANUMERIC_SENDER = 11;

/** The kind of a sender by its shape, or why it is none. */
export function classifySender(sender: string): { kind: SenderKind } | { kind: null; reason: string } {
  if (/^MG[0-9a-f]{32}$/.test(sender)) return { kind: 'messaging_service' };
  if (/^\+[1-9]\d{6,14}$/.test(sender)) return { kind: 'e164' };
  if (/^\d{3,8}$/.test(sender)) return { kind: 'short_code' };
  if (/^[1-9]\d{8,14}$/.test(sender)) return { kind: 'msisdn' };
  if (/^\+?[\d\s().-]+$/.test(sender)) return { kind: null, reason: 'is not a valid phone number or short code' };
  if (!/[A-Za-z]/.test(sender)) return { kind: null, reason: 'has no letter: an alphanumeric sender ID needs one' };
  if (!isGsm7(sender)) return { kind: null, reason: 'has characters outside the GSM alphabet, which handsets cannot show as a sender' };
  if ([...sender].length > MAX_ALPHANUMERIC_SENDER) {
    return { kind: null, reason: `is longer than ${MAX_ALPHANUMERIC_SENDER} characters, the most an alphanumeric sender ID can have` };
  }
  if (sender.trim() !== sender) return { kind: null, reason: 'starts or ends with a space' };
  return { kind: 'alphanumeric' };
}

/**
 * Null when `sender` is one of the `accepted` kinds, else why not, in words that name what
 * would be accepted (`via` names the provider and channel).
 */
export function senderProblem(sender: string, accepted: readonly SenderKind[], via: string): string | null {
  if (accepted.length === 0) return `${via} takes no sender: it is set up on the provider's side`;
  const c = classifySender(sender);
  if (c.kind === null) return `sender ${JSON.stringify(sender)} ${c.reason}`;
  if (accepted.includes(c.kind)) return null;
  return `sender ${JSON.stringify(sender)} is ${SENDER_KIND_NAMES[c.kind]}, which ${via} does not take; it takes ${accepted.map((k) => SENDER_KIND_NAMES[k]).join(', or ')}`;
}
