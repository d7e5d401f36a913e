// Twilio webhooks: authenticate with X-Twilio-Signature (docs/providers/twilio.md C.7) and translate
// status callbacks (C.5) and incoming messages (C.6) to canonical updates. Parsing is pure and
// runs in the callback processor, after the raw body was stored and acknowledged.
import type { CanonicalUpdate, IgnoredCallback, InboundMessage, InboundWebhook, StatusUpdate, StoredWebhook, VerifyResult, WebhookEndpoint } from '../types.js';
import { ignored } from '../canonical.js';
import { parseJsonObject } from '../json.js';
import type { TwilioSecrets } from './config.js';
import { checkTwilioBodySignature, formParams, isValidTwilioSignature, SIGNATURE_HEADER } from './signature.js';
import { mapTwilioStatus, twilioErrorTitle, UNREACHABLE_ERROR_CODES } from './status-map.js';

/** What Twilio expects from a Messaging webhook: TwiML; an empty Response sends no reply. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export const webhookEndpoints: readonly WebhookEndpoint[] = [
  { name: 'status', statusCallback: true, description: 'Status callbacks (StatusCallback of each message)' },
  {
    name: 'inbound',
    description: 'Incoming messages: set as the number\'s or Messaging Service\'s "A message comes in" webhook',
    response: { contentType: 'text/xml', body: EMPTY_TWIML },
  },
];

/**
 * Checks X-Twilio-Signature over `hook.publicUrl` (the URL Twilio was given, query included)
 * and the form parameters of the raw body; JSON bodies use the `bodySHA256` variant.
 *
 * Twilio signs no timestamp or nonce, so a captured request stays valid; its replay is absorbed
 * by the core's content dedup (endpoint + query + body hash) and changes nothing. The
 * `I-Twilio-Idempotency-Token` header is not signed and Twilio reuses it on retries, so it is not
 * a replay key: a retry of a callback we already stored must get a 200, not a refusal.
 */
export function verifyWebhook(secrets: TwilioSecrets, hook: InboundWebhook, _nowMs: number): VerifyResult {
  const signature = header(hook.headers, SIGNATURE_HEADER);
  if (!signature) return { ok: false, reason: 'missing X-Twilio-Signature header' };

  if (isJson(header(hook.headers, 'content-type'))) {
    const check = checkTwilioBodySignature(secrets.auth_token, signature, hook.publicUrl, hook.rawBody);
    if (!check.ok) return check;
  } else if (!isValidTwilioSignature(secrets.auth_token, signature, hook.publicUrl, formParams(hook.rawBody))) {
    return { ok: false, reason: 'X-Twilio-Signature does not match' };
  }

  return { ok: true };
}

export function parseWebhook(hook: StoredWebhook): CanonicalUpdate[] {
  const params = readParams(hook.rawBody, hook.contentType);
  switch (hook.endpoint) {
    case 'status':
      return [statusCallback(params, hook.query)];
    case 'inbound':
      return [inboundMessage(params)];
    default:
      return [ignored(`unknown Twilio webhook endpoint ${hook.endpoint}`)];
  }
}

type Params = Record<string, string | string[]>;

/** A status callback: one status of one of our messages (C.5). */
function statusCallback(params: Params, query: string): StatusUpdate | IgnoredCallback {
  const sid = required(params, 'MessageSid', 'SmsSid');
  const status = required(params, 'MessageStatus', 'SmsStatus');
  const canonical = mapTwilioStatus(status);
  if (canonical === null) return ignored(`intermediate status ${status}`);
  if (canonical === undefined) return ignored(`unknown Twilio status ${status}`);
  const code = errorCode(params);
  const to = optional(params, 'To');
  return {
    kind: 'status',
    // The core appends ?message_id=<our id> to each message's StatusCallback.
    messageId: new URLSearchParams(query).get('message_id') || null,
    providerMessageId: sid,
    recipient: to === null ? null : stripChannel(to),
    status: canonical,
    providerStatus: status,
    statusCode: code,
    error: code === null ? null : String(code),
    comment: code === null ? null : twilioErrorTitle(code),
    occurredAt: parseRawDlrDoneDate(optional(params, 'RawDlrDoneDate')),
    ...((canonical === 'failed' || canonical === 'rejected') && code !== null && UNREACHABLE_ERROR_CODES.has(code) ? { unreachable: true } : {}),
  };
}

/** Twilio attaches at most 10 media to an incoming MMS (C.6). */
export const MAX_INBOUND_MEDIA = 10;

/** An incoming SMS or MMS (C.6); media are MediaUrl{N}/MediaContentType{N} for N < NumMedia (at most 10). */
function inboundMessage(params: Params): InboundMessage {
  const sid = required(params, 'MessageSid', 'SmsMessageSid', 'SmsSid');
  const from = required(params, 'From');
  const to = required(params, 'To');
  const numMediaText = optional(params, 'NumMedia') ?? '0';
  if (!/^\d+$/.test(numMediaText)) throw new Error(`Twilio webhook field "NumMedia" is not a number: ${numMediaText}`);
  const numMedia = Number(numMediaText);
  const media: InboundMessage['media'] = [];
  // Read at most as many as Twilio sends: a signed NumMedia of 999999999999 must not spin the
  // processor (one synchronous loop over it stalls the whole hub, and again after every restart).
  for (let n = 0; n < Math.min(numMedia, MAX_INBOUND_MEDIA); n++) {
    const url = optional(params, `MediaUrl${n}`);
    if (url) media.push({ url, contentType: optional(params, `MediaContentType${n}`) });
  }
  return {
    kind: 'inbound',
    channel: numMedia > 0 ? 'mms' : 'sms',
    from,
    to,
    text: first(params, 'Body') ?? '',
    media,
    providerMessageId: sid,
    // Twilio sends no timestamp with an incoming message.
    occurredAt: null,
  };
}

/** Twilio posts forms; a JSON object (bodySHA256 webhooks) is read the same way, values as text. */
function readParams(rawBody: Buffer, contentType: string | null): Params {
  if (!isJson(contentType)) return formParams(rawBody);
  const json = parseJsonObject(rawBody, 'Twilio webhook');
  const out: Params = {};
  for (const [key, value] of Object.entries(json)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

/** `ErrorCode` as a number; absent, empty or "0" means no error. */
function errorCode(params: Params): number | null {
  const v = optional(params, 'ErrorCode');
  if (v === null || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n === 0 ? null : n;
}

/**
 * `RawDlrDoneDate` is the carrier's DLR time as YYMMDDhhmm, with no zone (C.5); read as UTC.
 * Anything else (or an impossible date) gives null.
 */
export function parseRawDlrDoneDate(value: string | null): Date | null {
  const m = value ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hour, minute));
  const valid =
    date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minute;
  return valid ? date : null;
}

/** `whatsapp:+1555…` → `+1555…`: the recipient is the address without its channel prefix. */
function stripChannel(address: string): string {
  return address.replace(/^(whatsapp|rcs):/i, '');
}

function first(params: Params, key: string): string | null {
  const v = params[key];
  if (v === undefined) return null;
  return typeof v === 'string' ? v : (v[0] ?? null);
}

function optional(params: Params, key: string): string | null {
  const v = first(params, key);
  return v === null || v === '' ? null : v;
}

/** The first of `keys` present (newer names first, deprecated aliases after); throws if none. */
function required(params: Params, ...keys: string[]): string {
  for (const key of keys) {
    const v = optional(params, key);
    if (v !== null) return v;
  }
  throw new Error(`Twilio webhook field "${keys[0]}" is missing`);
}

function header(headers: InboundWebhook['headers'], name: string): string | undefined {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) || undefined;
}

function isJson(contentType: string | null | undefined): boolean {
  return !!contentType && /^application\/json\s*(;|$)/i.test(contentType.trim());
}
