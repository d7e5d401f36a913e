// CM.com callbacks: status reports (JSON or XML, D.6) and incoming messages (JSON, D.7), parsed
// pure into canonical updates. CM signs neither: the secret URL token, which the core checks
// before anything reaches the adapter, is what authenticates them.
import { XMLParser } from 'fast-xml-parser';
import { ignored, normalizeMsisdn } from '../canonical.js';
import { isRecord, parseJsonObject, type JsonObject } from '../json.js';
import type { CanonicalUpdate, InboundMessage, InboundWebhook, StatusUpdate, StoredWebhook, VerifyResult, WebhookEndpoint } from '../types.js';
import type { CmSecrets } from './config.js';
import { messageIdFor } from './reference.js';
import { reportCode } from './status-map.js';

export const webhookEndpoints: readonly WebhookEndpoint[] = [
  { name: 'status', statusCallback: true, description: "Status reports — set as the status report URL in CM.com's Channels/Gateway app (JSON or XML)" },
  { name: 'inbound', description: "Incoming messages (MO) — set as the incoming messages webhook in CM.com's Channels app" },
];

/**
 * Nothing to check beyond the URL token: CM's callbacks carry no signature, timestamp or nonce,
 * so there is no replay key either. CM re-sends a report until it gets a 2xx (up to 7 days);
 * the core's content deduplication makes a repeat a no-op.
 */
export function verifyWebhook(_secrets: CmSecrets, _hook: InboundWebhook, _nowMs: number): VerifyResult {
  return { ok: true };
}

export function parseWebhook(hook: StoredWebhook): CanonicalUpdate[] {
  if (hook.endpoint === 'inbound') return [inbound(parseJsonObject(hook.rawBody, 'CM incoming message'))];
  const reports = isXml(hook.rawBody, hook.contentType) ? xmlReports(hook.rawBody) : jsonReports(hook.rawBody);
  if (reports.length === 0) return [ignored('status report without messages')];
  return reports.map(statusUpdate);
}

/** One report, whichever format carried it. */
export interface CmReport {
  received: string | null;
  to: string | null;
  reference: string | null;
  code: string;
  errorCode: string | null;
  errorDescription: string | null;
}

function isXml(rawBody: Buffer, contentType: string | null): boolean {
  if (contentType && /xml/i.test(contentType)) return true;
  return rawBody.toString('utf8').trimStart().startsWith('<');
}

/** `{"messages":{"msg":{…}}}`; `msg` may also be an array. */
export function jsonReports(rawBody: Buffer): CmReport[] {
  const json = parseJsonObject(rawBody, 'CM status report');
  const messages = json['messages'];
  if (!isRecord(messages)) throw new Error('CM status report has no "messages" object');
  return list(messages['msg']).map((m) => {
    if (!isRecord(m)) throw new Error('CM status report "msg" is not an object');
    const status = m['status'];
    if (!isRecord(status)) throw new Error('CM status report has no "status" object');
    return {
      received: text(m['received']),
      to: text(m['to']),
      reference: text(m['reference']),
      code: required(text(status['code']), 'status.code'),
      errorCode: text(status['errorCode']),
      errorDescription: text(status['errorDescription']),
    };
  });
}

// Entities off (no DTD expansion); every value kept as text so "0031…" keeps its zeros.
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  isArray: (name) => name === 'MSG',
});

/** `<MESSAGES><MSG RECEIVED="…"><TO/><REFERENCE/><STATUS><CODE/>…</STATUS></MSG>…</MESSAGES>`. */
export function xmlReports(rawBody: Buffer): CmReport[] {
  let doc: unknown;
  try {
    doc = xml.parse(rawBody.toString('utf8'), true);
  } catch (err) {
    throw new Error(`CM status report is not valid XML: ${(err as Error).message}`);
  }
  const root = isRecord(doc) ? doc['MESSAGES'] : undefined;
  if (root === '') return []; // <MESSAGES/>: nothing to report
  if (!isRecord(root)) throw new Error('CM status report has no <MESSAGES> element');
  return list(root['MSG']).map((m) => {
    if (!isRecord(m)) throw new Error('CM status report <MSG> is empty');
    const status = m['STATUS'];
    if (!isRecord(status)) throw new Error('CM status report has no <STATUS> element');
    return {
      received: text(m['@RECEIVED']),
      to: text(m['TO']),
      reference: text(m['REFERENCE']),
      code: required(text(status['CODE']), 'STATUS/CODE'),
      errorCode: text(status['ERRORCODE']),
      errorDescription: text(status['ERRORDESCRIPTION']),
    };
  });
}

function statusUpdate(r: CmReport): CanonicalUpdate {
  const entry = reportCode(r.code);
  if (!entry) return ignored(`unknown CM status code ${r.code}`);
  if (entry.status === null) return ignored(`intermediate CM status ${entry.name}`);
  const numeric = /^\d+$/.test(r.code.trim()) ? Number(r.code.trim()) : null;
  const update: StatusUpdate = {
    kind: 'status',
    messageId: r.reference ? messageIdFor(r.reference) : null,
    providerMessageId: r.reference,
    recipient: r.to ? cmToE164(r.to) : null,
    status: entry.status,
    providerStatus: entry.name,
    statusCode: numeric,
    error: entry.problem ? r.errorCode : null,
    comment: entry.problem ? r.errorDescription : null,
    occurredAt: cmTime(r.received),
  };
  return update;
}

/**
 * An incoming message (D.7): `from`/`to` are objects with a `number` in the Business Messaging
 * format; CM's older MO webhook sent them as strings with the text in `body`. Only SMS makes an
 * inbound message here: the integration serves the SMS channel.
 */
function inbound(json: JsonObject): CanonicalUpdate {
  const channel = text(json['channel']);
  if (channel !== null && channel.toUpperCase() !== 'SMS') return ignored(`incoming ${channel} message on an SMS integration`);
  const from = party(json['from']);
  const to = party(json['to']);
  if (!from) throw new Error('CM incoming message has no "from" number');
  if (!to) throw new Error('CM incoming message has no "to" number');
  const message = json['message'];
  const body = isRecord(message) ? text(message['text']) : text(json['body']);
  const result: InboundMessage = {
    kind: 'inbound',
    channel: 'sms',
    from: cmToE164(from),
    to: cmToE164(to),
    text: body ?? '',
    media: [],
    // CM's `reference` names the outgoing message this replies to, not this message.
    providerMessageId: null,
    occurredAt: cmTime(text(json['timeUtc'])),
  };
  return result;
}

function party(value: unknown): string | null {
  return isRecord(value) ? text(value['number']) : text(value);
}

/** CM numbers are "00" + country code + number, sometimes "+…" or bare digits; short codes stay. */
export function cmToE164(value: string): string {
  const v = value.trim();
  if (/^00\d{7,15}$/.test(v)) return `+${v.slice(2)}`;
  return normalizeMsisdn(v);
}

/** CM's times carry no zone (`yyyy-MM-ddTHH:mm:ss`, UTC per D.7); one with a zone is read as given. */
export function cmTime(value: string | null): Date | null {
  if (!value) return null;
  const v = value.trim();
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v.replace(' ', 'T')}Z`;
  const d = new Date(zoned);
  return Number.isNaN(d.getTime()) ? null : d;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** A non-empty string (numbers as their text), else null. */
function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function required(value: string | null, field: string): string {
  if (value === null) throw new Error(`CM status report has no ${field}`);
  return value;
}
