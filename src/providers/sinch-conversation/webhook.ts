// Conversation API callbacks: authenticate (B.7) and translate to canonical updates (B.5).
// Parsing is pure and runs in the callback processor, after the raw body was stored and acked.
import type { Channel } from '../../core/status.js';
import { ignored, normalizeMsisdn, parseDate } from '../canonical.js';
import { isRecord, optStr, parseJsonObject } from '../json.js';
import { verifySinchWebhook } from '../sinch-signature.js';
import type { CanonicalUpdate, ConsentUpdate, IgnoredCallback, InboundMessage, InboundWebhook, StatusUpdate, VerifyResult, WebhookEndpoint } from '../types.js';
import type { SinchConversationSecrets } from './config.js';
import { CONSENT_FAILED_STATUSES, mapDeliveryStatus, UNREACHABLE_REASON_CODES } from './status-map.js';

// A Conversation API webhook takes a target URL and a list of triggers; every trigger posts to
// that one URL, so one endpoint takes them all.
export const webhookEndpoints: readonly WebhookEndpoint[] = [
  {
    name: 'callbacks',
    statusCallback: true,
    description: "Conversation API webhook (MESSAGE_DELIVERY, MESSAGE_INBOUND, OPT_OUT…): set as the app's webhook target",
  },
];

/**
 * The payload has no `trigger` field: the trigger is the one top-level key besides the envelope
 * (B.5, as the Node SDK's callbacks-webhook.ts infers it).
 */
export const TRIGGER_KEYS: Readonly<Record<string, string>> = {
  message: 'MESSAGE_INBOUND',
  message_delivery_report: 'MESSAGE_DELIVERY',
  message_submit_notification: 'MESSAGE_SUBMIT',
  event: 'EVENT_INBOUND',
  event_delivery_report: 'EVENT_DELIVERY',
  conversation_start_notification: 'CONVERSATION_START',
  conversation_stop_notification: 'CONVERSATION_STOP',
  conversation_delete_notification: 'CONVERSATION_DELETE',
  contact_create_notification: 'CONTACT_CREATE',
  contact_delete_notification: 'CONTACT_DELETE',
  contact_merge_notification: 'CONTACT_MERGE',
  contact_update_notification: 'CONTACT_UPDATE',
  duplicated_identities: 'CONTACT_IDENTITIES_DUPLICATION',
  capability_notification: 'CAPABILITY',
  opt_in_notification: 'OPT_IN',
  opt_out_notification: 'OPT_OUT',
  channel_event_notification: 'CHANNEL_EVENT',
  unsupported_callback: 'UNSUPPORTED',
  smart_conversation_notification: 'SMART_CONVERSATIONS',
  message_redaction: 'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
};

/** Conversation API channels that are ours (B.3 channel enum); others are ignored. */
const CHANNELS: Readonly<Record<string, Channel>> = {
  WHATSAPP: 'whatsapp',
  RCS: 'rcs',
  SMS: 'sms',
  MMS: 'mms',
};

/** Webhooks without a secret send no signature headers (B.7): the core's URL token check is all. */
export function verifyWebhook(secrets: SinchConversationSecrets, hook: InboundWebhook, nowMs: number): VerifyResult {
  return verifySinchWebhook(secrets.webhook_signing_secret, hook, nowMs);
}

/** The trigger a callback carries (e.g. `MESSAGE_DELIVERY`), or null when it has no known key. */
export function callbackTrigger(json: Record<string, unknown>): { key: string; trigger: string } | null {
  for (const [key, trigger] of Object.entries(TRIGGER_KEYS)) {
    if (Object.hasOwn(json, key) && json[key] !== null && json[key] !== undefined) return { key, trigger };
  }
  return null;
}

export function parseWebhook(_route: string, rawBody: Buffer, _contentType: string | null): CanonicalUpdate[] {
  const json = parseJsonObject(rawBody, 'Conversation API callback');
  const found = callbackTrigger(json);
  if (!found) return [ignored('callback without a known trigger key')];
  const payload = json[found.key];
  if (!isRecord(payload)) throw new Error(`Conversation API callback field "${found.key}" is not an object`);

  switch (found.trigger) {
    case 'MESSAGE_DELIVERY':
      return [deliveryReport(json, payload)];
    case 'MESSAGE_INBOUND':
      return [inbound(json, payload)];
    case 'OPT_OUT':
      return [consent(json, payload, true)];
    case 'OPT_IN':
      return [consent(json, payload, false)];
    default:
      return [ignored(`${found.trigger} callback`)];
  }
}

/** MESSAGE_DELIVERY: one status of one of our messages. */
function deliveryReport(envelope: Record<string, unknown>, report: Record<string, unknown>): StatusUpdate | IgnoredCallback {
  const status = optStr(report, 'status');
  if (!status) throw new Error('Conversation API delivery report has no "status"');
  const reason = isRecord(report['reason']) ? report['reason'] : {};
  const reasonCode = optStr(reason, 'code');
  const description = optStr(reason, 'description');
  const canonical = mapDeliveryStatus(status, reasonCode);
  if (canonical === undefined) return ignored(`unknown delivery status ${status}`);
  if (canonical === null) {
    const why = [reasonCode, description].filter(Boolean).join(': ');
    return ignored(`switching channel${why ? ` (${why})` : ''}`);
  }
  const identity = isRecord(report['channel_identity']) ? optStr(report['channel_identity'], 'identity') : null;
  const problem = status === 'FAILED';
  return {
    kind: 'status',
    messageId: ourMessageId([optStr(envelope, 'message_metadata'), optStr(envelope, 'correlation_id'), optStr(report, 'metadata')]),
    providerMessageId: optStr(report, 'message_id'),
    recipient: identity === null ? null : normalizeIdentity(identity),
    status: canonical,
    providerStatus: status,
    statusCode: null,
    error: problem ? reasonCode : null,
    comment: problem ? description : null,
    occurredAt: parseDate(optStr(envelope, 'event_time') ?? optStr(envelope, 'accepted_time')),
    ...(problem && reasonCode !== null && UNREACHABLE_REASON_CODES.has(reasonCode) ? { unreachable: true } : {}),
  };
}

/**
 * Our message id as echoed back: `message_metadata` and `correlation_id` both carry it (send.ts).
 * A `msg_` id wins over other metadata (a reused conversation's metadata, say); otherwise the
 * first non-empty candidate.
 */
export function ourMessageId(candidates: readonly (string | null)[]): string | null {
  const present = candidates.filter((c): c is string => c !== null && c !== '');
  return present.find((c) => c.startsWith('msg_')) ?? present[0] ?? null;
}

/** MESSAGE_INBOUND: a contact's message to the app. */
function inbound(envelope: Record<string, unknown>, message: Record<string, unknown>): InboundMessage | IgnoredCallback {
  const direction = optStr(message, 'direction');
  if (direction && direction !== 'TO_APP') return ignored(`inbound message with direction ${direction}`);
  const ci = isRecord(message['channel_identity']) ? message['channel_identity'] : null;
  const channelName = ci ? optStr(ci, 'channel') : null;
  const identity = ci ? optStr(ci, 'identity') : null;
  if (!channelName || !identity) throw new Error('Conversation API inbound message has no channel_identity');
  const channel = CHANNELS[channelName];
  if (!channel) return ignored(`inbound message on unsupported channel ${channelName}`);

  const contact = isRecord(message['contact_message']) ? message['contact_message'] : {};
  const { text, media } = contactContent(contact);
  return {
    kind: 'inbound',
    channel,
    from: normalizeIdentity(identity),
    // sender_id is the number/short code the contact wrote to (SMS/MMS); else the app received it.
    to: normalizeIdentity(optStr(message, 'sender_id') ?? optStr(envelope, 'app_id') ?? ''),
    text,
    media,
    providerMessageId: optStr(message, 'id'),
    occurredAt: parseDate(optStr(message, 'accept_time') ?? optStr(envelope, 'accepted_time')),
  };
}

/** Text and media of a `contact_message` (B.5): text, media, media card, a choice's postback. */
function contactContent(contact: Record<string, unknown>): { text: string; media: InboundMessage['media'] } {
  const sub = (key: string): Record<string, unknown> | null => (isRecord(contact[key]) ? contact[key] : null);
  const text = sub('text_message');
  if (text) return { text: optStr(text, 'text') ?? '', media: [] };
  const media = sub('media_message');
  if (media) {
    const url = optStr(media, 'url');
    // The Conversation API gives no content type for inbound media.
    return { text: '', media: url ? [{ url, contentType: null }] : [] };
  }
  const card = sub('media_card_message');
  if (card) {
    const url = optStr(card, 'url');
    return { text: optStr(card, 'caption') ?? '', media: url ? [{ url, contentType: null }] : [] };
  }
  const choice = sub('choice_response_message');
  if (choice) return { text: optStr(choice, 'postback_data') ?? '', media: [] };
  return { text: '', media: [] };
}

/** OPT_OUT / OPT_IN: the outcome of a consent registration on a channel. */
function consent(envelope: Record<string, unknown>, n: Record<string, unknown>, optedOut: boolean): ConsentUpdate | IgnoredCallback {
  const what = optedOut ? 'opt-out' : 'opt-in';
  const status = optStr(n, 'status');
  if (status && CONSENT_FAILED_STATUSES.has(status)) {
    const description = isRecord(n['error_details']) ? optStr(n['error_details'], 'description') : null;
    return ignored(`${what} registration failed${description ? `: ${description}` : ''}`);
  }
  const channelName = optStr(n, 'channel');
  const channel = channelName ? CHANNELS[channelName] : undefined;
  if (!channel) return ignored(`${what} on unsupported channel ${channelName ?? '(none)'}`);
  const identity = optStr(n, 'identity');
  // In CONVERSATION mode the notification may name only a contact_id, which the hub cannot resolve.
  if (!identity) return ignored(`${what} without a channel identity`);
  return {
    kind: 'consent',
    channel,
    phone: normalizeIdentity(identity),
    optedOut,
    occurredAt: parseDate(optStr(envelope, 'event_time') ?? optStr(envelope, 'accepted_time')),
  };
}

/**
 * MSISDN identities arrive with or without "+" (B.5 fixtures: `12345678910`; older WhatsApp
 * docs: `+46702471483`). Digit strings long enough to be E.164 (7–15 digits) get the "+";
 * anything else is kept as given.
 */
export const normalizeIdentity: (value: string) => string = normalizeMsisdn;
