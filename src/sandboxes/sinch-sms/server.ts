// Sinch SMS REST API ("XMS") simulator: the paths, auth, bodies, status codes, error bodies and
// callbacks of docs/providers/sinch-sms.md, so the hub and the official SDK talk to it unchanged.
// Outcomes per recipient come from test-numbers.ts; README.md documents the behaviour.
import type { FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { SlidingWindowLimiter } from '../kit/rate-window.js';
import { Scheduler } from '../kit/scheduler.js';
import { bearerToken, createSandboxApp, hasMediaType, pathOf, sameSecret, sandboxBase, type Sandbox, type SandboxOptions } from '../kit/server.js';
import { CallbackSender, type CallbackAttempt } from './callbacks.js';
import { countryGivesDeliveryReports } from './countries.js';
import { batchReport, CODES, DeliverySimulator, recipientReport, type Delays } from './delivery.js';
import { errors, forcedSendError, SinchApiError } from './errors.js';
import { countParts } from './segments.js';
import { BatchStore, type BatchJson, type RecipientState, type StoredBatch } from './store.js';
import { behaviourFor, msisdnDigits, type Outcome } from './test-numbers.js';
import { LIMITS, personalize, validateTextBatch, type TextBatchRequest } from './validate.js';

export interface SinchSmsServicePlan {
  id: string;
  /** API token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Signs callbacks with the `x-sinch-webhook-signature` headers (A.9) when set. */
  callbackSigningSecret?: string;
  /** Used when a batch asks for reports without a `callback_url`. */
  defaultCallbackUrl?: string;
  /** Where inbound (MO) messages are posted. */
  inboundUrl?: string;
}

/** `ratePerSecond` counts batches per service plan; `retryBaseMs` defaults to 5000, as Sinch. */
export interface SinchSmsSandboxOptions extends SandboxOptions {
  servicePlans: SinchSmsServicePlan[];
  /** Callback delays from acceptance (default 200 ms / 800 ms); the slow test number multiplies them by 10. */
  delays?: Partial<Delays>;
  /** Callback tries in all, the first included (default 8). */
  maxCallbackAttempts?: number;
}

export interface InjectInboundOptions {
  servicePlanId: string;
  /** The customer's number. */
  from: string;
  /** Your number or short code. */
  to: string;
  body: string;
  /** Overrides the plan's inbound URL. */
  url?: string;
  /** MCC/MNC of the customer's operator, when known. */
  operatorId?: string;
}

export interface InjectInboundResult {
  /** HTTP status of the receiver's first answer; 0 when it could not be reached. */
  status: number;
  /** The `id` of the `mo_text`. */
  id: string;
  error?: string;
}

export interface SinchSmsSandbox extends Sandbox {
  /** POSTs a `mo_text` to the plan's inbound URL (or `url`), signed like callbacks. */
  injectInbound(opts: InjectInboundOptions): Promise<InjectInboundResult>;
  /** Accepted batches with their request and per-recipient state. */
  readonly batches: readonly StoredBatch[];
  /** Every callback attempt made (delivery reports and inbound messages). */
  readonly callbacks: readonly CallbackAttempt[];
}

const DEFAULT_DELAYS: Delays = { dispatchedMs: 200, finalMs: 800 };
const DEFAULT_PAGE_SIZE = 30;
const MAX_PAGE_SIZE = 100;
const DEFAULT_DRY_RUN_RECIPIENTS = 100;
const MAX_DRY_RUN_RECIPIENTS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

type Query = Record<string, string | undefined>;
interface PlanParams {
  spid: string;
}
interface BatchParams extends PlanParams {
  batchId: string;
}

function intParam(query: Query, name: string, min: number, max: number): number | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.invalidFormat(name, v, 'an integer');
  const n = Number(v);
  if (n < min || n > max) throw errors.constraint(`Parameter '${name}' must be between ${min} and ${max}; was ${n}.`);
  return n;
}

function boolParam(query: Query, name: string): boolean | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (v !== 'true' && v !== 'false') throw errors.invalidFormat(name, v, 'a valid boolean');
  return v === 'true';
}

function dateParam(query: Query, name: string): Date | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw errors.invalidFormat(name, v, 'a valid ISO-8601 timestamp');
  return new Date(ms);
}

function listParam(query: Query, name: string): string[] | undefined {
  const v = query[name];
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/** The body as JSON; Sinch requires `Content-Type: application/json` (A.2). */
function jsonBody(req: FastifyRequest): unknown {
  if (!hasMediaType(req.headers['content-type'], 'application/json')) throw errors.unsupportedMediaType();
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw errors.invalidJson(error instanceof Error ? error.message : 'unreadable body');
  }
}

function recipientState(req: TextBatchRequest, recipient: string, at: string): RecipientState {
  const { body, unmatched } = personalize(req, recipient);
  const counted = countParts(body);
  const behaviour = behaviourFor(recipient);
  const max = req.max_number_of_message_parts;
  const parts = max !== undefined && req.truncate_concat ? Math.min(counted.parts, max) : counted.parts;
  // Sinch-side aborts override the test number: they happen before the message reaches the SMSC.
  const aborted: Outcome | undefined =
    unmatched.length > 0
      ? { status: 'Aborted', code: 405 } // Unmatched Parameter
      : max !== undefined && parts > max
        ? { status: 'Aborted', code: 411 } // Exceeded parts limit
        : undefined;
  return {
    recipient,
    msisdn: msisdnDigits(recipient),
    body,
    parts,
    encoding: counted.encoding,
    behaviour,
    outcome: aborted ?? behaviour.outcome,
    dispatched: aborted ? false : behaviour.dispatched,
    reports: behaviour.reports !== 'none' && countryGivesDeliveryReports(recipient),
    status: 'Queued',
    code: CODES.queued,
    at,
    timers: [],
  };
}

function batchJson(id: string, req: TextBatchRequest, now: Date): BatchJson {
  const created = now.toISOString();
  const start = req.send_at && req.send_at > now ? req.send_at : now;
  return {
    id,
    to: req.to,
    from: req.from,
    canceled: false,
    parameters: req.parameters,
    body: req.body,
    type: req.type,
    created_at: created,
    modified_at: created,
    delivery_report: req.delivery_report,
    send_at: req.send_at?.toISOString(),
    expire_at: (req.expire_at ?? new Date(start.getTime() + LIMITS.maxValidityMs)).toISOString(),
    callback_url: req.callback_url,
    client_reference: req.client_reference,
    feedback_enabled: req.feedback_enabled ?? false,
    flash_message: req.flash_message ?? false,
    truncate_concat: req.truncate_concat,
    max_number_of_message_parts: req.max_number_of_message_parts,
    from_ton: req.from_ton,
    from_npi: req.from_npi,
  };
}

export function createSinchSmsSandbox(opts: SinchSmsSandboxOptions): SinchSmsSandbox {
  const plans = new Map(opts.servicePlans.map((p) => [p.id, p]));
  const historyLimit = opts.historyLimit ?? 10_000;
  const scheduler = new Scheduler();
  const sender = new CallbackSender(scheduler, {
    retryBaseMs: opts.retryBaseMs ?? 5000,
    maxAttempts: opts.maxCallbackAttempts ?? 8,
    timeoutMs: opts.callbackTimeoutMs ?? 10_000,
    logLimit: historyLimit,
  });
  const delivery = new DeliverySimulator({
    scheduler,
    sender,
    delays: {
      dispatchedMs: opts.delays?.dispatchedMs ?? DEFAULT_DELAYS.dispatchedMs,
      finalMs: opts.delays?.finalMs ?? DEFAULT_DELAYS.finalMs,
    },
    signingSecret: (id) => plans.get(id)?.callbackSigningSecret,
  });
  const store = new BatchStore(historyLimit);
  const limiter = new SlidingWindowLimiter(opts.ratePerSecond);
  /** Sends already failed per MSISDN, for test numbers that fail only the first N sends. */
  const forcedFailures = new Map<string, number>();

  // Bodies arrive raw, whatever their type: the routes answer 415 and syntax_invalid_json
  // themselves, with Sinch's error bodies, and tests see the exact bytes.
  const { app, requests, received } = createSandboxApp(opts.logger, historyLimit);

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof SinchApiError) return reply.code(error.status).send(error.body);
    // Fastify's own errors (body too large, bad URL encoding) keep their status.
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error(error);
    const text = error instanceof Error ? error.message : String(error);
    return reply.code(status).send(status >= 500 ? errors.internal().body : { code: 'bad_request', text });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errors.notFound(`${req.method} ${pathOf(req.url)}`).body);
  });

  function authenticate(req: FastifyRequest<{ Params: PlanParams }>): SinchSmsServicePlan {
    const plan = plans.get(req.params.spid);
    const token = bearerToken(req.headers.authorization ?? '');
    if (!plan || !token || !sameSecret(token, plan.token)) throw errors.unauthorized();
    return plan;
  }

  function findBatch(req: FastifyRequest<{ Params: BatchParams }>): StoredBatch {
    authenticate(req);
    const batch = store.get(req.params.spid, req.params.batchId);
    if (!batch) throw errors.notFound(`Batch '${req.params.batchId}'`);
    return batch;
  }

  /** The HTTP error a test number in `to` forces on this send, if any. */
  function forcedError(to: string[]): SinchApiError | undefined {
    for (const recipient of to) {
      const { sendError } = behaviourFor(recipient);
      if (!sendError) continue;
      const key = msisdnDigits(recipient);
      const failed = forcedFailures.get(key) ?? 0;
      if (sendError.times !== undefined && failed >= sendError.times) continue;
      forcedFailures.set(key, failed + 1);
      return forcedSendError(sendError.status);
    }
    return undefined;
  }

  app.post<{ Params: PlanParams }>('/xms/v1/:spid/batches', async (req, reply) => {
    const plan = authenticate(req);
    if (!limiter.allow(plan.id)) throw errors.tooManyRequests();
    const now = new Date();
    const request = validateTextBatch(jsonBody(req), now);
    const callbackUrl = request.callback_url ?? plan.defaultCallbackUrl;
    if (request.delivery_report !== 'none' && !callbackUrl) throw errors.missingCallbackUrl();
    const forced = forcedError(request.to);
    if (forced) throw forced;

    const batch = batchJson(ulid(), request, now);
    const stored: StoredBatch = {
      servicePlanId: plan.id,
      batch,
      request,
      received: received(req)!,
      callbackUrl,
      recipients: request.to.map((r) => recipientState(request, r, batch.created_at)),
      batchReportSent: false,
    };
    store.add(stored);
    delivery.start(stored);
    return reply.code(201).send(batch);
  });

  app.post<{ Params: PlanParams; Querystring: Query }>('/xms/v1/:spid/batches/dry_run', async (req) => {
    authenticate(req);
    const request = validateTextBatch(jsonBody(req), new Date());
    const perRecipient = boolParam(req.query, 'per_recipient') ?? false;
    const limit = intParam(req.query, 'number_of_recipients', 0, MAX_DRY_RUN_RECIPIENTS) ?? DEFAULT_DRY_RUN_RECIPIENTS;
    const details = request.to.map((recipient) => {
      const { body } = personalize(request, recipient);
      const { parts, encoding } = countParts(body);
      return { recipient, number_of_parts: parts, body, encoding };
    });
    return {
      number_of_recipients: details.length,
      number_of_messages: details.reduce((sum, d) => sum + d.number_of_parts, 0),
      per_recipient: perRecipient ? details.slice(0, limit) : undefined,
    };
  });

  app.get<{ Params: PlanParams; Querystring: Query }>('/xms/v1/:spid/batches', async (req) => {
    authenticate(req);
    const page = intParam(req.query, 'page', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const pageSize = intParam(req.query, 'page_size', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    const matching = store.list(req.params.spid, {
      from: listParam(req.query, 'from'),
      // Sinch lists the last 24 hours unless told otherwise.
      startDate: dateParam(req.query, 'start_date') ?? new Date(Date.now() - DAY_MS),
      endDate: dateParam(req.query, 'end_date'),
      clientReference: req.query['client_reference'],
    });
    const batches = matching.slice(page * pageSize, (page + 1) * pageSize).map((b) => b.batch);
    // page_size is the number of entries on this page (SDK ApiBatchList).
    return { page, page_size: batches.length, count: matching.length, batches };
  });

  app.get<{ Params: BatchParams }>('/xms/v1/:spid/batches/:batchId', async (req) => findBatch(req).batch);

  app.delete<{ Params: BatchParams }>('/xms/v1/:spid/batches/:batchId', async (req) => {
    const stored = findBatch(req);
    if (!stored.batch.canceled) {
      stored.batch.canceled = true;
      stored.batch.modified_at = new Date().toISOString();
      delivery.cancel(stored);
    }
    return stored.batch;
  });

  app.get<{ Params: BatchParams; Querystring: Query }>('/xms/v1/:spid/batches/:batchId/delivery_report', async (req) => {
    const stored = findBatch(req);
    const type = req.query['type'] ?? 'summary';
    if (type !== 'summary' && type !== 'full') throw errors.invalidFormat('type', type, 'one of summary, full');
    const statuses = listParam(req.query, 'status');
    const codes = listParam(req.query, 'code')?.map(Number);
    const recipients = stored.recipients.filter(
      (r) => (!statuses || statuses.includes(r.status)) && (!codes || codes.includes(r.code)),
    );
    return batchReport(stored, recipients, type === 'full');
  });

  app.get<{ Params: BatchParams & { recipient: string } }>(
    '/xms/v1/:spid/batches/:batchId/delivery_report/:recipient',
    async (req) => {
      const stored = findBatch(req);
      const r = stored.recipients.find((x) => x.msisdn === msisdnDigits(req.params.recipient));
      if (!r) throw errors.notFound(`Recipient '${req.params.recipient}' in batch '${stored.batch.id}'`);
      return recipientReport(stored, r);
    },
  );

  // Not part of Sinch's API: lets a standalone sandbox fake a customer's reply (README.md).
  app.post<{ Params: PlanParams }>('/sandbox/v1/:spid/inbound', async (req) => {
    const plan = authenticate(req);
    const input = jsonBody(req) as Partial<Record<'from' | 'to' | 'body' | 'url' | 'operator_id', unknown>> | null;
    const field = (name: 'from' | 'to' | 'body', value: unknown): string => {
      if (typeof value !== 'string') throw errors.constraint(`Missing required parameter '${name}'.`);
      return value;
    };
    if (!input?.url && !plan.inboundUrl) throw errors.constraint('The service plan has no inbound URL; give one as \'url\'.');
    return injectInbound({
      servicePlanId: plan.id,
      from: field('from', input?.from),
      to: field('to', input?.to),
      body: field('body', input?.body),
      url: typeof input?.url === 'string' ? input.url : undefined,
      operatorId: typeof input?.operator_id === 'string' ? input.operator_id : undefined,
    });
  });

  async function injectInbound(o: InjectInboundOptions): Promise<InjectInboundResult> {
    const plan = plans.get(o.servicePlanId);
    if (!plan) throw new Error(`Unknown service plan '${o.servicePlanId}'`);
    const url = o.url ?? plan.inboundUrl;
    if (!url) throw new Error(`Service plan '${plan.id}' has no inbound URL and none was given`);
    const receivedAt = new Date();
    const payload = {
      type: 'mo_text',
      id: ulid(),
      from: o.from,
      to: o.to,
      body: o.body,
      operator_id: o.operatorId,
      // The operator's timestamp precedes Sinch's reception a little.
      sent_at: new Date(receivedAt.getTime() - 500).toISOString(),
      received_at: receivedAt.toISOString(),
    };
    const attempt = await sender.send({
      kind: 'inbound',
      url,
      servicePlanId: plan.id,
      payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown>,
      signingSecret: plan.callbackSigningSecret,
    });
    return { status: attempt.status ?? 0, id: payload.id, ...(attempt.error ? { error: attempt.error } : {}) };
  }

  return Object.assign(sandboxBase('Sinch SMS', { app, requests, scheduler, sender }), {
    injectInbound,
    batches: store.all,
    callbacks: sender.log,
  });
}
