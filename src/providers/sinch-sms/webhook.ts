// Sinch SMS callbacks: authenticate (A.9, B.7) and translate to canonical updates (A.7, A.8).
// Parsing is pure and runs in the callback processor, after the raw body was stored and acked.
import type { CanonicalUpdate, IgnoredCallback, InboundMessage, InboundWebhook, StatusUpdate, VerifyResult, WebhookEndpoint } from '../types.js';
import { ignored, normalizeMsisdn, parseDate } from '../canonical.js';
import { isRecord, optNum, optStr, parseJsonObject, str as requiredStr } from '../json.js';
import { verifySinchWebhook } from '../sinch-signature.js';
import type { SinchSmsSecrets } from './config.js';
import { mapSinchStatus, sinchCodeName, SINCH_SUCCESS_STATUSES } from './status-map.js';

// Sinch posts every callback type to whichever URL it has, so both routes parse everything;
// two names only make the dashboard setup self-explanatory.
export const webhookEndpoints: readonly WebhookEndpoint[] = [
  { name: 'delivery', statusCallback: true, description: 'Delivery reports (callback_url of each batch)' },
  { name: 'inbound', description: "Inbound SMS (MO) — set as the service plan's callback URL for inbound" },
];

/** Unsigned accounts rely on the secret URL token, which the core has already checked. */
export function verifyWebhook(secrets: SinchSmsSecrets, hook: InboundWebhook, nowMs: number): VerifyResult {
  return verifySinchWebhook(secrets.webhook_signing_secret, hook, nowMs);
}

export function parseWebhook(_route: string, rawBody: Buffer, _contentType: string | null): CanonicalUpdate[] {
  const json = parseJsonObject(rawBody, 'Sinch SMS callback');
  const type = json['type'];
  if (typeof type !== 'string' || !type) throw new Error('Sinch SMS callback has no "type"');

  switch (type) {
    case 'recipient_delivery_report_sms':
    case 'recipient_delivery_report_mms':
      return [recipientReport(json)];
    case 'delivery_report_sms':
    case 'delivery_report_mms':
      return batchReport(json);
    case 'mo_text':
      return [inbound(json, 'sms', str(json, 'body'), [])];
    case 'mo_media':
      return [mediaInbound(json)];
    case 'mo_binary':
      return [ignored('binary MO not supported')];
    default:
      return [ignored(`unknown callback type ${type}`)];
  }
}

/** `per_recipient` / `per_recipient_final` report: one status of one recipient. */
function recipientReport(json: Record<string, unknown>): StatusUpdate | IgnoredCallback {
  const status = str(json, 'status');
  const at = optStr(json, 'operator_status_at') ?? optStr(json, 'at');
  return statusUpdate(json, status, optNum(json, 'code'), optStr(json, 'recipient'), parseDate(at));
}

/** `summary` / `full` report: only `full` names recipients, and only those make updates. */
function batchReport(json: Record<string, unknown>): CanonicalUpdate[] {
  const statuses = json['statuses'];
  if (!Array.isArray(statuses)) throw new Error('Sinch SMS batch report has no "statuses" array');
  const entries = statuses.filter(isRecord);
  if (!entries.some((e) => Array.isArray(e['recipients']))) {
    return [ignored('summary report without recipients')];
  }
  const updates: CanonicalUpdate[] = [];
  for (const entry of entries) {
    const recipients = entry['recipients'];
    if (!Array.isArray(recipients)) continue;
    const status = str(entry, 'status');
    const code = optNum(entry, 'code');
    for (const r of recipients) {
      if (typeof r !== 'string') continue;
      // The batch report has no timestamp of its own.
      const u = statusUpdate(json, status, code, r, null);
      if (u.kind === 'status') updates.push(u);
    }
  }
  return updates.length > 0 ? updates : [ignored('batch report with no reportable status')];
}

function statusUpdate(
  json: Record<string, unknown>,
  status: string,
  code: number | null,
  recipient: string | null,
  occurredAt: Date | null,
): StatusUpdate | IgnoredCallback {
  const canonical = mapSinchStatus(status);
  if (canonical === null) return ignored(`intermediate status ${status}`);
  if (canonical === undefined) return ignored(`unknown Sinch status ${status}`);
  // Success reports carry no error; problems keep the code (as `error`) and its name.
  const problem = !SINCH_SUCCESS_STATUSES.has(status);
  return {
    kind: 'status',
    messageId: optStr(json, 'client_reference'),
    providerMessageId: str(json, 'batch_id'),
    recipient: recipient === null ? null : normalizeMsisdn(recipient),
    status: canonical,
    providerStatus: status,
    statusCode: code,
    error: problem && code !== null ? String(code) : null,
    comment: problem && code !== null ? sinchCodeName(code) : null,
    occurredAt,
  };
}

/** MMS inbound: text is the message (or the subject), media are the uploaded attachments. */
function mediaInbound(json: Record<string, unknown>): InboundMessage {
  const body = isRecord(json['body']) ? json['body'] : {};
  const text = optStr(body, 'message') ?? optStr(body, 'subject') ?? '';
  const items = Array.isArray(body['media']) ? body['media'].filter(isRecord) : [];
  const media = items.flatMap((m) => {
    const url = optStr(m, 'url');
    // The Node SDK names it content_type; the Java SDK fixtures use contentType.
    return url ? [{ url, contentType: optStr(m, 'content_type') ?? optStr(m, 'contentType') }] : [];
  });
  return inbound(json, 'mms', text, media);
}

function inbound(
  json: Record<string, unknown>,
  channel: InboundMessage['channel'],
  text: string,
  media: InboundMessage['media'],
): InboundMessage {
  return {
    kind: 'inbound',
    channel,
    from: normalizeMsisdn(str(json, 'from')),
    to: normalizeMsisdn(str(json, 'to')),
    text,
    media,
    providerMessageId: optStr(json, 'id'),
    occurredAt: parseDate(optStr(json, 'sent_at') ?? optStr(json, 'received_at')),
  };
}

function str(obj: Record<string, unknown>, key: string): string {
  return requiredStr(obj, key, 'Sinch SMS callback');
}
