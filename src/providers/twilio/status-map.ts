// Twilio message-status vocabulary and error-code titles as data (docs/events.md,
// docs/providers/twilio.md C.2, C.5, C.8).
import type { DeliveryStatus } from '../../core/status.js';

/**
 * `MessageStatus` of a status callback → canonical status (the `message_enum_status` of C.2).
 * `null` means "no event": the status says nothing the hub can record.
 */
export const TWILIO_STATUS_MAP: Readonly<Record<string, DeliveryStatus | null>> = {
  // Still inside Twilio: the message is already `enqueued` on our side. `accepted` and
  // `scheduled` are initial statuses (Messaging Service sends), for which Twilio sends no
  // callback anyway (C.2); `queued` is Twilio's per-sender queue, `sending` the hand-off to the
  // carrier that has not been confirmed yet.
  accepted: null,
  scheduled: null,
  queued: null,
  sending: null,
  sent: 'sent',
  delivered: 'delivered',
  // WhatsApp/RCS read receipts; kept so a read report is never lost.
  read: 'read',
  // Sent, but the carrier reported it undeliverable: the `failed` of docs/events.md.
  undelivered: 'failed',
  // Twilio could not send it at all (queue overflow, suspended account, media…): `rejected`.
  failed: 'rejected',
  // A scheduled message canceled before it was sent. The hub never schedules or cancels, so
  // this only happens when someone cancels in Twilio directly; the message will then never be
  // delivered, and leaving it `enqueued` would count it as pending forever. Like Sinch's
  // `Cancelled` (docs/providers/sinch-sms.md A.7), it is `failed`.
  canceled: 'failed',
  // Inbound message statuses: never about an outbound message of ours.
  receiving: null,
  received: null,
  // Some but not all parts/recipients delivered: neither `delivered` nor `failed` is true,
  // and the reference documents no follow-up. The raw callback is kept; no event.
  partially_delivered: null,
};

/**
 * Titles of common Twilio error codes (C.8, and the error pages at
 * https://www.twilio.com/docs/api/errors/<code> for the request-validation codes the sandbox
 * answers), used as `comment` when a callback carries only `ErrorCode`. C.8 marks some titles as
 * third-party ("S"); 20003 is the docs page's own title. 30034 is left out: no title captured.
 */
export const TWILIO_ERROR_TITLES: Readonly<Record<number, string>> = {
  20003: 'Permission Denied',
  20404: 'Not Found',
  20429: 'Too Many Requests',
  20500: 'Internal Server Error',
  21211: "Invalid 'To' Phone Number",
  21408: 'Permission to send an SMS has not been enabled for the region',
  21601: 'Phone number is not a valid SMS-capable inbound phone number',
  21602: 'Message body is required',
  21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
  21604: "'To' phone number is required to send a Message",
  21606: "'From' is not a valid message-capable Twilio number for this destination",
  21608: "The 'To' number is not yet verified for this account",
  21610: "Message cannot be sent to the 'To' number because the customer has replied with STOP",
  21611: "'From' number has exceeded the maximum number of queued messages",
  21612: 'The To/From combination cannot be connected',
  21614: "'To' number is not a valid mobile number",
  21619: 'A Message Body, Media URL or Content SID is required',
  21620: 'Invalid media URL(s)',
  21623: 'Number of media files exceeds allowed limit',
  21635: "'To' number cannot be a landline",
  21658: 'Parameter exceeded character limit',
  21705: 'The Messaging Service is invalid',
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
  57012: 'Signature invalid',
  63017: 'Rate limit exceeded',
};

/** The recipient replied STOP: the refusal doubles as an opt-out (docs/providers/twilio.md C.4, types.ts). */
export const OPTED_OUT_ERROR_CODE = 21610;
/**
 * Error codes (a refusal's `code`, a callback's `ErrorCode`) that mean the recipient cannot be
 * reached on this channel, so another channel may reach them (the core's fallback,
 * docs/fallback.md). This adapter sends SMS and MMS only, so these are about SMS. Judgements on
 * the titles of C.8:
 * - 21635 'To' number cannot be a landline: a landline takes no SMS, a voice-only line: yes.
 * - 30006 Landline or unreachable carrier: the same, known after the send: yes.
 * Not: 30003 unreachable handset (switched off or out of coverage: temporary, and no other
 * channel reaches a switched-off phone sooner), 30005 unknown handset and 21211/21614 (the
 * number itself is wrong or not a mobile one: no channel will do better), 30004/30007 (blocked or
 * filtered content), 21610 (an opt-out, recorded as such). Twilio's WhatsApp codes (63003,
 * 63016, 63024) would belong here once the adapter sends WhatsApp; it does not.
 */
export const UNREACHABLE_ERROR_CODES: ReadonlySet<number> = new Set([21635, 30006]);

/** Too Many Requests: never processed, always safe to retry (C.8, C.9). */
export const TOO_MANY_REQUESTS_ERROR_CODE = 20429;

/**
 * Canonical status for a Twilio status word: a DeliveryStatus, `null` for no event, or
 * `undefined` for a word this table does not know.
 */
export function mapTwilioStatus(status: string): DeliveryStatus | null | undefined {
  return Object.hasOwn(TWILIO_STATUS_MAP, status) ? TWILIO_STATUS_MAP[status] : undefined;
}

export function twilioErrorTitle(code: number): string | null {
  return Object.hasOwn(TWILIO_ERROR_TITLES, code) ? TWILIO_ERROR_TITLES[code]! : null;
}
