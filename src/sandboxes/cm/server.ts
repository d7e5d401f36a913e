// CM.com Business Messaging simulator: `POST /v1.0/message` with the product token in the body,
// CM's answer and error bodies, status reports (JSON or XML) and incoming messages posted like
// CM's (docs/providers/cm.md), so the hub and CM's official SDK talk to it unchanged. Outcomes
// per recipient come from test-numbers.ts; README.md documents the behaviour.
import type { FastifyRequest } from 'fastify';
import { SlidingWindowLimiter } from '../kit/rate-window.js';
import { Scheduler } from '../kit/scheduler.js';
import { createSandboxApp, sameSecret, sandboxBase, pathOf, type Sandbox, type SandboxOptions } from '../kit/server.js';
import { appendBounded } from '../kit/history.js';
import { CallbackSender, type CallbackAttempt, type ReportFormat } from './callbacks.js';
import { DeliverySimulator, type Delays, type SentMessage } from './delivery.js';
import { CmApiError, errors, type CmAnswer, type CmMessageResult } from './errors.js';
import { Outage, OUTAGE_MODES, type OutageMode } from '../kit/outage.js';
import { behaviourFor, type SendError } from './test-numbers.js';
import { parseEnvelope, type ValidatedMessage } from './validate.js';

export interface CmSandboxAccount {
  /** The product token (a GUID) the account's requests carry. */
  token: string;
  /** Where status reports go (set in CM's Channels app); none: no reports are sent. */
  statusUrl?: string;
  /** JSON (default) or XML status reports. */
  reportFormat?: ReportFormat;
  /** Where incoming messages (MO) go. */
  inboundUrl?: string;
}

export interface CmSandboxOptions extends SandboxOptions {
  accounts: CmSandboxAccount[];
  /** Report delays from acceptance (default 200 ms / 800 ms); the slow test number multiplies them by 10. */
  delays?: Partial<Delays>;
  /** Callback tries in all, the first included (default 8). */
  maxCallbackAttempts?: number;
}

export interface InjectInboundOptions {
  token: string;
  /** The customer's number. */
  from: string;
  /** Your number or short code. */
  to: string;
  body: string;
  /** Overrides the account's inbound URL. */
  url?: string;
  /** The reference of the outgoing message this answers, if any. */
  reference?: string;
}

export interface InjectInboundResult {
  /** HTTP status of the receiver's first answer; 0 when it could not be reached. */
  status: number;
  error?: string;
}

export interface CmSandbox extends Sandbox {
  /** Posts an incoming SMS to the account's inbound URL (or `url`), like CM's MO webhook. */
  injectInbound(opts: InjectInboundOptions): Promise<InjectInboundResult>;
  /** Sets where an account's status reports and incoming messages go, as one does in CM's Channels app. */
  setAccountUrls(token: string, urls: { status?: string; inbound?: string } | undefined): void;
  /** Turns outage mode on (`http_503`, `refuse`) or `off`. */
  setOutage(mode: OutageMode): void;
  outageMode(): OutageMode;
  /** Every accepted message, one per recipient. */
  readonly messages: readonly SentMessage[];
  /** Every callback attempt made (status reports and incoming messages). */
  readonly callbacks: readonly CallbackAttempt[];
}

const DEFAULT_DELAYS: Delays = { acceptedMs: 200, finalMs: 800 };
const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

function forcedError(kind: SendError): CmApiError {
  switch (kind) {
    case 'rate_limited':
      return errors.tooManyRequests();
    case 'internal':
      return errors.internal();
    case 'unknown':
      return errors.unknown();
    case 'balance':
      return errors.balanceInsufficient();
    case 'unavailable_no_body':
      return new CmApiError(503, { details: '', errorCode: -1, messages: [] });
  }
}

export function createCmSandbox(opts: CmSandboxOptions): CmSandbox {
  const accounts = new Map(opts.accounts.map((a) => [a.token.toLowerCase(), a]));
  const historyLimit = opts.historyLimit ?? 10_000;
  const scheduler = new Scheduler();
  const sender = new CallbackSender(
    scheduler,
    { retryBaseMs: opts.retryBaseMs ?? 1000, timeoutMs: opts.callbackTimeoutMs ?? 10_000, logLimit: historyLimit },
    opts.maxCallbackAttempts ?? 8,
  );
  const delivery = new DeliverySimulator({
    scheduler,
    sender,
    delays: { acceptedMs: opts.delays?.acceptedMs ?? DEFAULT_DELAYS.acceptedMs, finalMs: opts.delays?.finalMs ?? DEFAULT_DELAYS.finalMs },
    target(token) {
      const account = accounts.get(token.toLowerCase());
      return account?.statusUrl ? { url: account.statusUrl, format: account.reportFormat ?? 'json' } : undefined;
    },
  });
  const limiter = new SlidingWindowLimiter(opts.ratePerSecond);
  const messages: SentMessage[] = [];
  /** Sends already failed per number, for test numbers that fail only the first N. */
  const forcedFailures = new Map<string, number>();

  const { app, requests } = createSandboxApp(opts.logger, historyLimit);
  const outage = new Outage(() => app.server);

  app.addHook('onRequest', async (req, reply) => {
    if (outage.blocks(pathOf(req.url))) return reply.code(503).type('text/plain').send('Service Unavailable');
  });

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof CmApiError) {
      reply.headers(error.headers).code(error.status);
      // The one error CM's front would answer without its JSON body.
      return error.body.errorCode === -1 ? reply.type('text/plain').send('Service Unavailable') : reply.send(error.body);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error(error);
    return reply.code(status).send(status >= 500 ? errors.internal().body : errors.requestMalformed(error instanceof Error ? error.message : String(error)).body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ details: `No route for ${req.method} ${pathOf(req.url)}`, errorCode: 999, messages: [] });
  });

  const rawBody = (req: FastifyRequest): string => (Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');

  function authenticate(token: string | null): CmSandboxAccount {
    if (token !== null && !GUID.test(token)) throw new CmApiError(401, { details: 'The product token is not a valid GUID', errorCode: 103, messages: [] });
    const account = token === null ? undefined : accounts.get(token.toLowerCase());
    if (!account || !sameSecret(account.token.toLowerCase(), token!.toLowerCase())) throw errors.authenticationFailed();
    return account;
  }

  function throwForcedError(valid: ValidatedMessage[]): void {
    for (const m of valid) {
      for (const r of m.recipients) {
        const { sendError } = behaviourFor(r.number);
        if (!sendError) continue;
        const key = r.number.replace(/\D/g, '');
        const failed = forcedFailures.get(key) ?? 0;
        if (sendError.times !== undefined && failed >= sendError.times) continue;
        forcedFailures.set(key, failed + 1);
        throw forcedError(sendError.kind);
      }
    }
  }

  app.post('/v1.0/message', async (req, reply) => {
    const envelope = parseEnvelope(rawBody(req));
    const account = authenticate(envelope.token);
    if (!limiter.allow(account.token)) throw errors.tooManyRequests();
    throwForcedError(envelope.messages.filter((m) => !m.problem));

    const now = new Date().toISOString();
    const results: CmMessageResult[] = [];
    for (const m of envelope.messages) {
      // A message with no recipient still gets its line in the answer, naming its problem.
      for (const r of m.recipients.length > 0 ? m.recipients : [{ number: '' }]) {
        const refusal = m.problem ?? r.problem ?? behaviourFor(r.number).refuse;
        if (refusal) {
          results.push({ to: r.number, status: 'Rejected', reference: m.reference, parts: 0, messageDetails: refusal.details, messageErrorCode: refusal.code });
          continue;
        }
        const sent: SentMessage = {
          token: account.token, to: r.number, from: m.from, content: m.content, reference: m.reference,
          parts: m.parts, encoding: m.encoding, behaviour: behaviourFor(r.number), code: null, at: now,
        };
        appendBounded(messages, sent, historyLimit);
        delivery.start(sent);
        results.push({ to: r.number, status: 'Accepted', reference: m.reference, parts: m.parts, messageDetails: null, messageErrorCode: 0 });
      }
    }
    const accepted = results.filter((r) => r.status === 'Accepted').length;
    const answer: CmAnswer =
      accepted === results.length
        ? { details: `Created ${accepted} message(s)`, errorCode: 0, messages: results }
        : { details: 'Not all messages were sent successfully', errorCode: 201, messages: results };
    return reply.code(answer.errorCode === 0 ? 200 : 400).send(answer);
  });

  // Not part of CM's API: lets a standalone sandbox fake a customer's reply (README.md).
  app.post('/sandbox/inbound', async (req) => {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(rawBody(req)) as Record<string, unknown>;
    } catch {
      throw errors.requestMalformed('the body must be JSON');
    }
    const account = authenticate(typeof input['producttoken'] === 'string' ? input['producttoken'] : null);
    const text = (name: string): string => {
      const v = input[name];
      if (typeof v !== 'string' || v === '') throw errors.requestMalformed(`'${name}' is required`);
      return v;
    };
    const url = typeof input['url'] === 'string' ? input['url'] : undefined;
    if (!url && !account.inboundUrl) throw errors.requestMalformed("the account has no inbound URL; give one as 'url'");
    return injectInbound({ token: account.token, from: text('from'), to: text('to'), body: text('body'), url });
  });

  app.put('/sandbox/outage', async (req) => {
    let mode: unknown;
    try {
      mode = (JSON.parse(rawBody(req)) as { mode?: unknown }).mode;
    } catch {
      mode = undefined;
    }
    if (typeof mode !== 'string' || !OUTAGE_MODES.includes(mode as OutageMode)) {
      throw errors.requestMalformed(`'mode' must be one of ${OUTAGE_MODES.join(', ')}`);
    }
    outage.set(mode as OutageMode);
    return { mode: outage.mode };
  });

  async function injectInbound(o: InjectInboundOptions): Promise<InjectInboundResult> {
    const account = accounts.get(o.token.toLowerCase());
    if (!account) throw new Error('Unknown product token');
    const url = o.url ?? account.inboundUrl;
    if (!url) throw new Error('The account has no inbound URL and none was given');
    const now = new Date().toISOString();
    // The Business Messaging MO format (docs/providers/cm.md D.7).
    const payload = {
      reference: o.reference ?? '',
      messageContext: '',
      from: { number: o.from, name: o.from },
      to: { number: o.to },
      message: { text: o.body, media: { mediaUri: '', contentType: '', title: '' }, custom: {} },
      groupings: ['', '', ''],
      time: now.slice(0, 19).replace('T', ' '),
      timeUtc: now.slice(0, 19),
      channel: 'SMS',
    };
    const attempt = await sender.incoming(url, payload);
    return { status: attempt.status ?? 0, ...(attempt.error ? { error: attempt.error } : {}) };
  }

  return Object.assign(sandboxBase('CM.com', { app, requests, scheduler, sender }), {
    injectInbound,
    setAccountUrls(token: string, urls: { status?: string; inbound?: string } | undefined) {
      const account = accounts.get(token.toLowerCase());
      if (!account) throw new Error('Unknown product token');
      account.statusUrl = urls?.status;
      account.inboundUrl = urls?.inbound;
    },
    setOutage: (mode: OutageMode) => outage.set(mode),
    outageMode: () => outage.mode,
    messages,
    callbacks: sender.log,
  });
}
