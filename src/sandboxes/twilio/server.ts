// Twilio Programmable Messaging simulator: the paths, auth, form bodies, status codes, error
// bodies and signed webhooks of docs/providers/twilio.md, so the hub and the official `twilio`
// package talk to it unchanged. Outcomes per number come from test-numbers.ts; README.md
// documents the behaviour. Here: the routes and their wiring. validate.ts checks Create Message,
// delivery.ts sends the status callbacks, resource.ts shapes the Message resource, store.ts
// keeps the messages.
import type { FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { expectsDeliveryReports } from '../../core/phone.js';
import { SlidingWindowLimiter } from '../kit/rate-window.js';
import { Scheduler } from '../kit/scheduler.js';
import { basicCredentials, createSandboxApp, hasMediaType, pathOf, sameSecret, sandboxBase, type Sandbox, type SandboxOptions } from '../kit/server.js';
import { formParams } from '../../providers/twilio/signature.js';
import { CallbackSender, type CallbackAttempt } from './callbacks.js';
import { DeliverySimulator, type Delays } from './delivery.js';
import { errors, TwilioApiError } from './errors.js';
import { accountResource, API_VERSION, messageResource, messagePage, newSid, segments } from './resource.js';
import { MessageStore, type StoredMessage } from './store.js';
import { behaviourFor, DEFAULT_BEHAVIOUR } from './test-numbers.js';
import { all, first, isHttpUrl, validateCreate, type Params } from './validate.js';

export interface TwilioSandboxAccount {
  /** `AC` + 32 hex. */
  accountSid: string;
  /** HTTP Basic password with the account SID; also signs every webhook (C.7). */
  authToken: string;
  /** API keys of the account: HTTP Basic `SK…:secret`, the account SID staying in the path (C.3). */
  apiKeys?: { sid: string; secret: string }[];
  /**
   * The "A message comes in" webhook of the account's numbers (set per number in Twilio's
   * console; the sandbox keeps no numbers, so one for all), used when an inbound names no URL.
   */
  inboundUrl?: string;
}

/** `ratePerSecond` counts Create Message requests per account (above it: 429 20429). */
export interface TwilioSandboxOptions extends SandboxOptions {
  accounts: TwilioSandboxAccount[];
  /** Callback delays from acceptance (default 200 ms / 800 ms); the slow test number multiplies them by 10. */
  delays?: Partial<Delays>;
}

export interface InjectInboundOptions {
  accountSid: string;
  /** The customer's number. */
  from: string;
  /** Your Twilio number. */
  to: string;
  body: string;
  media?: { url: string; contentType: string }[];
  /** The number's or Messaging Service's "A message comes in" webhook; default: the account's inboundUrl. */
  url?: string;
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
  const store = new MessageStore(historyLimit);
  /** The accounts' `date_created`. */
  const startedAt = new Date();
  const delivery = new DeliverySimulator({ scheduler, sender, delays, account: (sid) => accounts.get(sid) });
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
      resource: messageResource(
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
    store.add(m);
    delivery.start(m);
    return reply.code(201).send(m.resource);
  });

  // Fetch Account. Twilio lets only the Auth Token or a Main API key read it; the sandbox does
  // not tell key types apart (README.md).
  app.get<{ Params: { accountSid: string } }>('/2010-04-01/Accounts/:accountSid.json', async (req) => accountResource(authenticate(req), startedAt));

  app.get<{ Params: { accountSid: string }; Querystring: Record<string, string | undefined> }>('/2010-04-01/Accounts/:accountSid/Messages.json', async (req) => {
    const account = authenticate(req);
    const ofAccount = store.all.filter((m) => m.accountSid === account.accountSid).map((m) => m.resource);
    // Newest first, as Twilio lists them.
    return messagePage(account.accountSid, ofAccount.reverse(), req.query);
  });

  app.get<{ Params: { accountSid: string; sid: string } }>('/2010-04-01/Accounts/:accountSid/Messages/:sid.json', async (req) => {
    const account = authenticate(req);
    const m = store.get(account.accountSid, req.params.sid);
    if (!m) throw errors.notFound(pathOf(req.url));
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
    if (url ? !isHttpUrl(url) : !account.inboundUrl) {
      throw new TwilioApiError(400, 20001, "A valid 'Url' (the incoming-message webhook) is required: the account has no inbound URL.");
    }
    if (!from || !to) throw new TwilioApiError(400, 20001, "'From' and 'To' are required.");
    const types = all(params, 'MediaContentType');
    const media = all(params, 'MediaUrl').map((u, i) => ({ url: u, contentType: types[i] ?? 'image/jpeg' }));
    const result = await injectInbound({ accountSid: account.accountSid, from, to, body: first(params, 'Body') ?? '', media, ...(url ? { url } : {}) });
    return { message_sid: result.messageSid, status: result.status, ...(result.error ? { error: result.error } : {}) };
  });

  async function injectInbound(o: InjectInboundOptions): Promise<InjectInboundResult> {
    const account = accounts.get(o.accountSid);
    if (!account) throw new Error(`Unknown account '${o.accountSid}'`);
    const url = o.url ?? account.inboundUrl;
    if (!url) throw new Error(`Account '${o.accountSid}' has no inbound URL and none was given`);
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

    store.add({
      accountSid: account.accountSid,
      resource: messageResource(
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
    const attempt = await sender.send({ kind: 'inbound', url, accountSid: account.accountSid, messageSid: sid, params, authToken: account.authToken });
    return {
      status: attempt.status ?? 0,
      messageSid: sid,
      ...(attempt.responseBody !== undefined ? { body: attempt.responseBody } : {}),
      ...(attempt.error ? { error: attempt.error } : {}),
    };
  }

  return Object.assign(sandboxBase('Twilio', { app, requests, scheduler, sender }), {
    injectInbound,
    messages: store.all,
    callbacks: sender.log,
  });
}