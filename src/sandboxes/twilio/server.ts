// Twilio Programmable Messaging simulator: the paths, auth, form bodies, status codes, error
// bodies and signed webhooks of docs/providers/twilio.md, so the hub and the official `twilio`
// package talk to it unchanged. Outcomes per number come from test-numbers.ts; README.md
// documents the behaviour.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { expectsDeliveryReports } from '../../core/phone.js';
import { countSegments } from '../../core/segments.js';
import { appendBounded } from '../kit/history.js';
import { SlidingWindowLimiter } from '../kit/rate-window.js';
import { Scheduler, type Scheduled } from '../kit/scheduler.js';
import { basicCredentials, createSandboxApp, hasMediaType, pathOf, sameSecret, sandboxBase, type Sandbox, type SandboxOptions } from '../kit/server.js';
import { isMessagingServiceSid } from '../../providers/twilio/config.js';
import { formParams } from '../../providers/twilio/signature.js';
import { twilioErrorTitle } from '../../providers/twilio/status-map.js';
import { CallbackSender, type CallbackAttempt } from './callbacks.js';
import { errors, TwilioApiError } from './errors.js';
import {
  behaviourFor,
  DEFAULT_BEHAVIOUR,
  MAGIC_FROM_NUMBERS,
  MAGIC_TO_NUMBERS,
  MESSAGING_SERVICE_SENDER,
  type TestNumberBehaviour,
} from './test-numbers.js';

export interface TwilioSandboxAccount {
  /** `AC` + 32 hex. */
  accountSid: string;
  /** HTTP Basic password with the account SID; also signs every webhook (C.7). */
  authToken: string;
  /** API keys of the account: HTTP Basic `SK…:secret`, the account SID staying in the path (C.3). */
  apiKeys?: { sid: string; secret: string }[];
}

export interface Delays {
  /** From acceptance to the `sent` callback. */
  sentMs: number;
  /** From acceptance to the final callback. */
  finalMs: number;
}

/** `ratePerSecond` counts Create Message requests per account (above it: 429 20429). */
export interface TwilioSandboxOptions extends SandboxOptions {
  accounts: TwilioSandboxAccount[];
  /** Callback delays from acceptance (default 200 ms / 800 ms); the slow test number multiplies them by 10. */
  delays?: Partial<Delays>;
}

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

export interface StoredMessage {
  accountSid: string;
  /** What GET …/Messages/{Sid}.json answers; updated as callbacks go out. */
  resource: MessageJson;
  /** The decoded form of the Create Message request (empty for injected inbound messages). */
  params: Record<string, string | string[]>;
  /** `StatusCallback` as given (fragment included). */
  statusCallback?: string;
  behaviour: TestNumberBehaviour;
  /** False for destinations without delivery reports (docs/events.md): no final callback. */
  reports: boolean;
  timers: Scheduled[];
}

export interface InjectInboundOptions {
  accountSid: string;
  /** The customer's number. */
  from: string;
  /** Your Twilio number. */
  to: string;
  body: string;
  media?: { url: string; contentType: string }[];
  /** The number's or Messaging Service's "A message comes in" webhook. */
  url: string;
  /** Set when the number belongs to a Messaging Service. */
  messagingServiceSid?: string;
}

export interface InjectInboundResult {
  /** HTTP status of the receiver's first answer; 0 when it could not be reached. */
  status: number;
  messageSid: string;
  /** The receiver's answer (TwiML). */
  body?: string;
  error?: string;
}

export interface TwilioSandbox extends Sandbox {
  /** POSTs a signed incoming-message webhook (C.6) to `url`. */
  injectInbound(opts: InjectInboundOptions): Promise<InjectInboundResult>;
  /** Messages created through the API and injected inbound messages. */
  readonly messages: readonly StoredMessage[];
  /** Every webhook attempt (status callbacks and incoming messages). */
  readonly callbacks: readonly CallbackAttempt[];
}

const DEFAULT_DELAYS: Delays = { sentMs: 200, finalMs: 800 };
const API_VERSION = '2010-04-01';
/** Body limit of Create Message (C.1), in UTF-16 code units as JavaScript counts them. */
const MAX_BODY_CHARS = 1600;
const MAX_MEDIA = 10;

type Params = Record<string, string | string[]>;
type OutboundStatus = 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

interface PlannedCallback {
  delayMs: number;
  status: OutboundStatus;
  errorCode?: number;
  /** False for a callback that repeats or trails the message's status. */
  advances: boolean;
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

function first(params: Params, key: string): string | undefined {
  const v = params[key];
  return typeof v === 'string' ? v : v?.[0];
}

function all(params: Params, key: string): string[] {
  const v = params[key];
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const SHORT_CODE = /^\d{3,8}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 +\-_&.]{1,11}$/;

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

interface CreateRequest {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  media: string[];
  statusCallback?: string;
}

/** Create Message checks, in order, with the codes Twilio documents for them. */
function validateCreate(params: Params): CreateRequest {
  const to = first(params, 'To');
  const from = first(params, 'From') || undefined;
  const service = first(params, 'MessagingServiceSid') || undefined;
  const body = first(params, 'Body') ?? '';
  const media = all(params, 'MediaUrl').filter((u) => u !== '');
  const hasContent = body !== '' || media.length > 0 || !!first(params, 'ContentSid');

  if (!to) throw errors.toRequired();
  if (!from && !service) throw errors.senderRequired();
  if (service && !isMessagingServiceSid(service)) throw errors.invalidMessagingService(service);
  if (!E164.test(to)) throw errors.forced(400, 21211, to);
  if (from && !E164.test(from) && !SHORT_CODE.test(from) && !ALPHANUMERIC_SENDER.test(from)) throw errors.forced(400, 21212, from);
  if (!hasContent) throw service && !from ? errors.serviceContentRequired() : errors.bodyRequired();
  if (body.length > MAX_BODY_CHARS) throw errors.bodyTooLong();
  if (media.length > MAX_MEDIA) throw errors.tooManyMedia();
  const badMedia = media.find((u) => !isHttpUrl(u));
  if (badMedia !== undefined) throw errors.invalidMediaUrl(badMedia);

  const magicFrom = from ? MAGIC_FROM_NUMBERS[from] : undefined;
  if (magicFrom && from) throw errors.forced(400, magicFrom.code, from);
  const magicTo = MAGIC_TO_NUMBERS[to];
  if (magicTo) throw errors.forced(400, magicTo.code, to);

  const statusCallback = first(params, 'StatusCallback') || undefined;
  return { to, from, messagingServiceSid: service, body, media, statusCallback };
}

function plan(m: StoredMessage, delays: Delays): PlannedCallback[] {
  const b = m.behaviour;
  const early = delays.sentMs * b.delayFactor;
  const late = delays.finalMs * b.delayFactor;
  const sent = { status: 'sent' as const };
  const final = { status: b.outcome.status, errorCode: b.outcome.errorCode };
  // Not sent at all: one `failed` callback, early.
  if (final.status === 'failed') return [{ delayMs: early, ...final, advances: true }];
  // No report will ever come back from the network: the message stays `sent`.
  if (!m.reports || b.callbacks === 'no-final') return [{ delayMs: early, ...sent, advances: true }];
  switch (b.callbacks) {
    case 'final-first':
      return [
        { delayMs: early, ...final, advances: true },
        { delayMs: late, ...sent, advances: false },
      ];
    case 'duplicate-final':
      return [
        { delayMs: early, ...sent, advances: true },
        { delayMs: late, ...final, advances: true },
        { delayMs: late + early, ...final, advances: false },
      ];
    default: {
      const events: PlannedCallback[] = [
        { delayMs: early, ...sent, advances: true },
        { delayMs: late, ...final, advances: true },
      ];
      if (b.read && final.status === 'delivered') events.push({ delayMs: late + early, status: 'read', advances: true });
      return events;
    }
  }
}

export function createTwilioSandbox(opts: TwilioSandboxOptions): TwilioSandbox {
  const accounts = new Map(opts.accounts.map((a) => [a.accountSid, a]));
  const historyLimit = opts.historyLimit ?? 10_000;
  const delays: Delays = {
    sentMs: opts.delays?.sentMs ?? DEFAULT_DELAYS.sentMs,
    finalMs: opts.delays?.finalMs ?? DEFAULT_DELAYS.finalMs,
  };
  const scheduler = new Scheduler();
  const sender = new CallbackSender(scheduler, {
    retryBaseMs: opts.retryBaseMs ?? 1000,
    timeoutMs: opts.callbackTimeoutMs ?? 15_000,
    logLimit: historyLimit,
  });
  const limiter = new SlidingWindowLimiter(opts.ratePerSecond);
  const messages: StoredMessage[] = [];
  const bySid = new Map<string, StoredMessage>();
  /** The latest status callback of each message, so the next one can wait for it. */
  const lastCallback = new WeakMap<StoredMessage, Promise<unknown>>();
  /** Sends already failed per number, for test numbers that fail only the first N sends. */
  const forcedFailures = new Map<string, number>();

  // Bodies arrive raw, whatever their type: forms are decoded here, and tests see the exact bytes.
  const { app, requests } = createSandboxApp(opts.logger, historyLimit);

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof TwilioApiError) return reply.code(error.status).send(error.body);
    // Fastify's own errors (body too large, bad URL encoding) keep their status.
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) {
      req.log.error(error);
      return reply.code(500).send(errors.internal().body);
    }
    const text = error instanceof Error ? error.message : String(error);
    return reply.code(status).send({ code: 20001, message: text, more_info: 'https://www.twilio.com/docs/errors/20001', status });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errors.notFound(pathOf(req.url)).body);
  });

  /** HTTP Basic with the account SID + Auth Token, or one of its API keys (C.3). */
  function authenticate(req: FastifyRequest<{ Params: { accountSid: string } }>): TwilioSandboxAccount {
    const account = accounts.get(req.params.accountSid);
    const credentials = basicCredentials(req.headers.authorization ?? '');
    if (!account || !credentials) throw errors.authenticate();
    const { user, password } = credentials;
    if (user === account.accountSid && sameSecret(password, account.authToken)) return account;
    const key = account.apiKeys?.find((k) => k.sid === user);
    if (key && sameSecret(password, key.secret)) return account;
    throw errors.authenticate();
  }

  function formBody(req: FastifyRequest): Params {
    // Twilio reads form parameters only; any other body carries none.
    if (!hasMediaType(req.headers['content-type'], 'application/x-www-form-urlencoded') || !Buffer.isBuffer(req.body)) return {};
    return formParams(req.body);
  }

  /** The error a test number forces on this send, if any. */
  function forcedError(to: string): TwilioApiError | undefined {
    const { sendError } = behaviourFor(to);
    if (!sendError) return undefined;
    const failed = forcedFailures.get(to) ?? 0;
    if (sendError.times !== undefined && failed >= sendError.times) return undefined;
    forcedFailures.set(to, failed + 1);
    return errors.forced(sendError.status, sendError.code, to);
  }

  function store(m: StoredMessage): void {
    bySid.set(m.resource.sid, m);
    for (const dropped of appendBounded(messages, m, historyLimit)) bySid.delete(dropped.resource.sid);
  }

  function resource(accountSid: string, sid: string, fields: Partial<MessageJson>, now: Date): MessageJson {
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

  function segments(body: string, media: number): string {
    // An MMS is one message whatever its text; an SMS is counted in GSM-7/UCS-2 parts (docs/segments.md).
    return String(media > 0 ? 1 : countSegments(body).parts);
  }

  function start(m: StoredMessage): void {
    for (const event of plan(m, delays)) {
      m.timers.push(scheduler.after(event.delayMs, () => fire(m, event)));
    }
  }

  /** Moves the message on (unless the callback only repeats or trails) and reports it. */
  function fire(m: StoredMessage, event: PlannedCallback): void {
    const now = new Date();
    const r = m.resource;
    // A Messaging Service picks its sender when the message leaves the queue.
    if (r.from === null) {
      r.from = MESSAGING_SERVICE_SENDER;
      r.num_segments = segments(r.body, Number(r.num_media));
    }
    if (event.advances) {
      r.status = event.status;
      r.date_updated = rfc2822(now);
      if (event.status === 'sent') r.date_sent = rfc2822(now);
      if (event.errorCode !== undefined) {
        r.error_code = event.errorCode;
        r.error_message = twilioErrorTitle(event.errorCode);
      }
    }
    if (!m.statusCallback || !isHttpUrl(m.statusCallback.split('#')[0] ?? '')) return;
    const account = accounts.get(m.accountSid);
    if (!account) return;
    const params: [string, string][] = [];
    if (event.errorCode !== undefined) params.push(['ErrorCode', String(event.errorCode)]);
    params.push(['SmsSid', r.sid], ['SmsStatus', event.status], ['MessageStatus', event.status], ['To', r.to]);
    if (r.messaging_service_sid) params.push(['MessagingServiceSid', r.messaging_service_sid]);
    params.push(['MessageSid', r.sid], ['AccountSid', r.account_sid], ['From', r.from], ['ApiVersion', API_VERSION]);
    if (event.status === 'delivered' || event.status === 'undelivered') params.push(['RawDlrDoneDate', rawDlrDoneDate(now)]);
    const callback = {
      kind: 'status' as const,
      url: m.statusCallback,
      accountSid: m.accountSid,
      messageSid: r.sid,
      params,
      authToken: account.authToken,
    };
    // One message's callbacks leave in the order they happen: each waits for the previous
    // one's first attempt, so only the test numbers reorder them (retries may still overtake).
    const previous = lastCallback.get(m) ?? Promise.resolve();
    const next = scheduler.track(previous.then(() => sender.send(callback)).catch(() => undefined));
    lastCallback.set(m, next);
  }

  app.post<{ Params: { accountSid: string } }>('/2010-04-01/Accounts/:accountSid/Messages.json', async (req, reply) => {
    const account = authenticate(req);
    if (!limiter.allow(account.accountSid)) throw errors.tooManyRequests();
    const params = formBody(req);
    const input = validateCreate(params);
    const forced = forcedError(input.to);
    if (forced) throw forced;

    const now = new Date();
    const service = input.messagingServiceSid;
    // With a Messaging Service and no From, Twilio picks the sender later: `from` is null and
    // `num_segments` "0" until then, and the initial status is `accepted` (C.2).
    const pending = service !== undefined && input.from === undefined;
    const m: StoredMessage = {
      accountSid: account.accountSid,
      resource: resource(
        account.accountSid,
        newSid(input.media.length > 0 ? 'MM' : 'SM'),
        {
          body: input.body,
          from: input.from ?? null,
          to: input.to,
          num_media: String(input.media.length),
          num_segments: pending ? '0' : segments(input.body, input.media.length),
          messaging_service_sid: service ?? null,
          status: service ? 'accepted' : 'queued',
        },
        now,
      ),
      params,
      statusCallback: input.statusCallback,
      behaviour: behaviourFor(input.to),
      reports: expectsDeliveryReports(input.to),
      timers: [],
    };
    store(m);
    start(m);
    return reply.code(201).send(m.resource);
  });

  app.get<{ Params: { accountSid: string; sid: string } }>('/2010-04-01/Accounts/:accountSid/Messages/:sid.json', async (req) => {
    const account = authenticate(req);
    const m = bySid.get(req.params.sid);
    if (!m || m.accountSid !== account.accountSid) throw errors.notFound(pathOf(req.url));
    return m.resource;
  });

  // Not part of Twilio's API: lets a standalone sandbox fake a customer's message (README.md).
  app.post<{ Params: { accountSid: string } }>('/sandbox/2010-04-01/Accounts/:accountSid/Inbound.json', async (req) => {
    const account = authenticate(req);
    const params = formBody(req);
    const url = first(params, 'Url');
    const from = first(params, 'From');
    const to = first(params, 'To');
    // 20001 "Invalid parameter" (C.4): this route is the sandbox's own.
    if (!url || !isHttpUrl(url)) throw new TwilioApiError(400, 20001, "A valid 'Url' (the incoming-message webhook) is required.");
    if (!from || !to) throw new TwilioApiError(400, 20001, "'From' and 'To' are required.");
    const types = all(params, 'MediaContentType');
    const media = all(params, 'MediaUrl').map((u, i) => ({ url: u, contentType: types[i] ?? 'image/jpeg' }));
    const result = await injectInbound({ accountSid: account.accountSid, from, to, body: first(params, 'Body') ?? '', media, url });
    return { message_sid: result.messageSid, status: result.status, ...(result.error ? { error: result.error } : {}) };
  });

  async function injectInbound(o: InjectInboundOptions): Promise<InjectInboundResult> {
    const account = accounts.get(o.accountSid);
    if (!account) throw new Error(`Unknown account '${o.accountSid}'`);
    const media = o.media ?? [];
    const sid = newSid(media.length > 0 ? 'MM' : 'SM');
    const country = (n: string) => parsePhoneNumberFromString(n)?.country ?? '';
    const now = new Date();
    // The parameters of C.6, in the order of the captured example. Geo fields are left empty
    // where Twilio could not know them (as in that example).
    const params: [string, string][] = [['ToCountry', country(o.to)]];
    media.forEach((item, n) => params.push([`MediaContentType${n}`, item.contentType]));
    params.push(
      ['ToState', ''],
      ['SmsMessageSid', sid],
      ['NumMedia', String(media.length)],
      ['ToCity', ''],
      ['FromZip', ''],
      ['SmsSid', sid],
      ['FromState', ''],
      ['SmsStatus', 'received'],
      ['FromCity', ''],
      ['Body', o.body],
      ['FromCountry', country(o.from)],
      ['To', o.to],
    );
    if (o.messagingServiceSid) params.push(['MessagingServiceSid', o.messagingServiceSid]);
    params.push(['ToZip', ''], ['NumSegments', segments(o.body, 0)]);
    media.forEach((item, n) => params.push([`MediaUrl${n}`, item.url]));
    params.push(['MessageSid', sid], ['AccountSid', account.accountSid], ['From', o.from], ['ApiVersion', API_VERSION]);

    store({
      accountSid: account.accountSid,
      resource: resource(
        account.accountSid,
        sid,
        {
          body: o.body,
          direction: 'inbound',
          from: o.from,
          to: o.to,
          num_media: String(media.length),
          num_segments: segments(o.body, 0),
          messaging_service_sid: o.messagingServiceSid ?? null,
          status: 'received',
        },
        now,
      ),
      params: {},
      behaviour: DEFAULT_BEHAVIOUR,
      reports: false,
      timers: [],
    });
    const attempt = await sender.send({ kind: 'inbound', url: o.url, accountSid: account.accountSid, messageSid: sid, params, authToken: account.authToken });
    return {
      status: attempt.status ?? 0,
      messageSid: sid,
      ...(attempt.responseBody !== undefined ? { body: attempt.responseBody } : {}),
      ...(attempt.error ? { error: attempt.error } : {}),
    };
  }

  return Object.assign(sandboxBase('Twilio', { app, requests, scheduler, sender }), {
    injectInbound,
    messages,
    callbacks: sender.log,
  });
}
