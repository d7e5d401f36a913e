// The Message resource (docs/providers/twilio.md C.2) as the API answers it, and the formats it
// shares with the webhooks: dates, SIDs, segment counts.
import { randomBytes } from 'node:crypto';
import { countSegments } from '../../core/segments.js';

export const API_VERSION = '2010-04-01';

/** The Message resource (C.2), keys in the order of the spec's example. */
export interface MessageJson {
  account_sid: string;
  api_version: '2010-04-01';
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: 'outbound-api' | 'inbound';
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string | null;
  messaging_service_sid: string | null;
  sid: string;
  status: string;
  subresource_uris: { media: string };
  to: string;
  uri: string;
}

/** RFC 2822 date as the API writes it: "Thu, 24 Aug 2023 05:01:45 +0000" (C.2). */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** `RawDlrDoneDate`: YYMMDDhhmm, UTC (C.5). */
export function rawDlrDoneDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}

export function newSid(prefix: 'SM' | 'MM'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** A new outbound message's resource, `fields` overriding its defaults. */
export function messageResource(accountSid: string, sid: string, fields: Partial<MessageJson>, now: Date): MessageJson {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`;
  const date = rfc2822(now);
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    body: '',
    date_created: date,
    date_sent: date,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: null,
    messaging_service_sid: null,
    sid,
    status: 'queued',
    subresource_uris: { media: `${uri}/Media.json` },
    to: '',
    uri: `${uri}.json`,
    ...fields,
  };
}

/** `num_segments` / `NumSegments`, as a string. */
export function segments(body: string, media: number): string {
  // An MMS is one message whatever its text; an SMS is counted in GSM-7/UCS-2 parts (docs/segments.md).
  return String(media > 0 ? 1 : countSegments(body).parts);
}

/** The Account resource (Fetch Account, twilio-node `AccountResource`). */
export function accountResource(account: { accountSid: string; authToken: string }, created: Date): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${account.accountSid}`;
  const date = rfc2822(created);
  return {
    auth_token: account.authToken,
    date_created: date,
    date_updated: date,
    friendly_name: `Sandbox account ${account.accountSid}`,
    owner_account_sid: account.accountSid,
    sid: account.accountSid,
    status: 'active',
    subresource_uris: { messages: `${uri}/Messages.json` },
    type: 'Full',
    uri: `${uri}.json`,
  };
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** A page of Read Message: `PageSize` (1–1000, default 50) and `Page` (from 0); other filters are not simulated. */
export function messagePage(accountSid: string, messages: readonly MessageJson[], query: Record<string, string | undefined>): Record<string, unknown> {
  const number = (name: string, fallback: number, max: number): number => {
    const n = Number(query[name]);
    return query[name] !== undefined && Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
  };
  const pageSize = Math.max(1, number('PageSize', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  const page = number('Page', 0, Number.MAX_SAFE_INTEGER);
  const start = page * pageSize;
  const items = messages.slice(start, start + pageSize);
  const uri = (p: number) => `/2010-04-01/Accounts/${accountSid}/Messages.json?PageSize=${pageSize}&Page=${p}`;
  return {
    end: start + Math.max(items.length - 1, 0),
    first_page_uri: uri(0),
    messages: items,
    next_page_uri: start + pageSize < messages.length ? uri(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uri(page - 1) : null,
    start,
    uri: uri(page),
  };
}
