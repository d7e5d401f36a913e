// Sinch Conversation API simulator: the OAuth2 token endpoint (B.2) and `messages:send` (B.3,
// B.4) on one server, and signed MESSAGE_DELIVERY / MESSAGE_INBOUND / OPT_OUT callbacks (B.5,
// B.7) to each app's webhook, so the hub and the official SDK talk to it unchanged. Outcomes
// per recipient come from test-numbers.ts; README.md documents the behaviour.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { appendBounded } from '../kit/history.js';
import { SlidingWindowLimiter } from '../kit/rate-window.js';
import { Scheduler } from '../kit/scheduler.js';
import { basicCredentials, bearerToken, createSandboxApp, hasMediaType, pathOf, sameSecret, sandboxBase, type Sandbox, type SandboxOptions } from '../kit/server.js';
import { CallbackSender, type CallbackAttempt } from './callbacks.js';
import { ConversationApiError, errors, OAuthError } from './errors.js';
import { behaviourFor, identityDigits, REASON_DESCRIPTIONS, type ReportStatus, type TestNumberBehaviour } from './test-numbers.js';
import { validateSendRequest, type SendRequest } from './validate.js';

export type SandboxChannel = 'WHATSAPP' | 'RCS' | 'SMS';

export interface SandboxTemplate {
  /** Omni template id, or the channel template's name (WhatsApp). */
  id: string;
  /** When set, a reference with another language code fails with TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION. */
  language_code?: string;
}

export interface SandboxApp {
  appId: string;
  /** Channels configured on the app; others in `channel_priority_order` answer 400. */
  channels: SandboxChannel[];
  /** The app's webhook target (all triggers). No URL: no callbacks. */
  webhookUrl?: string;
  /** The webhook's `secret`: callbacks carry x-sinch-webhook-signature headers when set. */
  webhookSecret?: string;
  /** Known templates. Unset: every template reference is accepted and delivered. */
  templates?: SandboxTemplate[];
}

export interface SandboxProject {
  projectId: string;
  /** Access key id (OAuth2 client id) and secret. */
  accessKey: string;
  accessSecret: string;
  apps: SandboxApp[];
}

export interface Delays {
  /** From acceptance to QUEUED_ON_CHANNEL. */
  queuedMs: number;
  /** From acceptance to DELIVERED (or a FAILED after QUEUED_ON_CHANNEL). */
  deliveredMs: number;
  /** From acceptance to READ. */
  readMs: number;
}

/** `ratePerSecond` counts `messages:send` requests per project; `historyLimit` also bounds the tokens kept. */
export interface SinchConversationSandboxOptions extends SandboxOptions {
  projects: SandboxProject[];
  /** Lifetime of issued access tokens (default 3600, as Sinch). */
  tokenTtlSeconds?: number;
  /** Callback delays (default 200 / 800 / 1500 ms); test number …0001 multiplies them by 10. */
  delays?: Partial<Delays>;
  /** Callback tries in all, the first included (default 6). */
  maxCallbackAttempts?: number;
}

export interface IssuedToken {
  projectId: string;
  accessKey: string;
  token: string;
  issuedAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
}

export interface SentReport {
  status: ReportStatus;
  reason?: string;
  channel: string;
  /** When the callback left (or would have left, for silent numbers). */
  at: string;
}

export interface SandboxMessage {
  projectId: string;
  appId: string;
  /** The `message_id` answered. */
  messageId: string;
  acceptedTime: string;
  /** The validated request and the raw body. */
  request: SendRequest;
  body: string;
  /** The channel tried first and the identity on it. */
  channel: string;
  identity: string;
  behaviour: TestNumberBehaviour;
  /** The furthest status reached so far (`QUEUED` until the first report). */
  status: ReportStatus | 'QUEUED';
  reports: SentReport[];
}

export interface InjectInboundOptions {
  appId: string;
  channel: SandboxChannel;
  /** The customer's number, with or without "+". */
  from: string;
  text?: string;
  mediaUrl?: string;
  /** Overrides the app's webhook URL. */
  url?: string;
}

export interface InjectConsentOptions {
  appId: string;
  channel: SandboxChannel;
  identity: string;
  optedOut: boolean;
  url?: string;
}

export interface InjectResult {
  /** HTTP status of the webhook's first answer; 0 when it could not be reached. */
  status: number;
  /** The inbound message id (or the opt-in/out request id). */
  id: string;
  error?: string;
}

/** Its `url` is both the integration's `base_url` and its auth host. */
export interface SinchConversationSandbox extends Sandbox {
  /** Accepted messages with their state and the reports sent. */
  readonly messages: readonly SandboxMessage[];
  /** Every callback attempt made. */
  readonly callbacks: readonly CallbackAttempt[];
  /** Every access token issued by POST /oauth2/token. */
  readonly tokensIssued: readonly IssuedToken[];
  /** POSTs a signed MESSAGE_INBOUND callback (a customer's reply) to the app's webhook. */
  injectInbound(opts: InjectInboundOptions): Promise<InjectResult>;
  /** POSTs a signed OPT_OUT / OPT_IN callback to the app's webhook. */
  injectConsent(opts: InjectConsentOptions): Promise<InjectResult>;
  /** Revokes every token issued so far: their next use answers 401 (expired), as after a key rotation. */
  revokeTokens(): void;
}

const DEFAULT_DELAYS: Delays = { queuedMs: 200, deliveredMs: 800, readMs: 1500 };
/** Channels that report READ (the SMS and MMS channels have no read receipts). */
const READ_RECEIPT_CHANNELS: ReadonlySet<string> = new Set(['WHATSAPP', 'RCS', 'MESSENGER', 'VIBERBM', 'INSTAGRAM', 'TELEGRAM', 'LINE', 'APPLEBC']);
/** Channels whose identities are MSISDNs: anything but 7–15 digits fails RECIPIENT_INVALID_CHANNEL_IDENTITY. */
const MSISDN_CHANNELS: ReadonlySet<string> = new Set(['WHATSAPP', 'RCS', 'SMS', 'MMS', 'VIBERBM']);
const STATUS_RANK: Readonly<Record<SandboxMessage['status'], number>> = {
  QUEUED: 0,
  QUEUED_ON_CHANNEL: 1,
  SWITCHING_CHANNEL: 1,
  DELIVERED: 2,
  FAILED: 3,
  READ: 3,
};

interface PlannedReport {
  status: ReportStatus;
  reason?: string;
  channel: string;
  /** When it happened on the channel, from acceptance. */
  eventMs: number;
  /** When the callback leaves, from acceptance. */
  sendMs: number;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export function createSinchConversationSandbox(opts: SinchConversationSandboxOptions): SinchConversationSandbox {
  const projects = new Map(opts.projects.map((p) => [p.projectId, p]));
  const apps = new Map<string, { project: SandboxProject; app: SandboxApp }>();
  for (const project of opts.projects) for (const app of project.apps) apps.set(app.appId, { project, app });
  const historyLimit = opts.historyLimit ?? 10_000;
  const tokenTtlSeconds = opts.tokenTtlSeconds ?? 3600;
  const delays: Delays = {
    queuedMs: opts.delays?.queuedMs ?? DEFAULT_DELAYS.queuedMs,
    deliveredMs: opts.delays?.deliveredMs ?? DEFAULT_DELAYS.deliveredMs,
    readMs: opts.delays?.readMs ?? DEFAULT_DELAYS.readMs,
  };
  const scheduler = new Scheduler();
  const sender = new CallbackSender(scheduler, {
    retryBaseMs: opts.retryBaseMs ?? 1000,
    maxAttempts: opts.maxCallbackAttempts ?? 6,
    timeoutMs: opts.callbackTimeoutMs ?? 10_000,
    logLimit: historyLimit,
  });
  /** Sends per project in a sliding one-second window. */
  const limiter = new SlidingWindowLimiter(opts.ratePerSecond);
  const signingKey = randomBytes(32);
  const tokens = new Map<string, IssuedToken>();
  const tokensIssued: IssuedToken[] = [];
  const messages: SandboxMessage[] = [];
  /** Forced send errors already answered, per identity digits. */
  const forcedFailures = new Map<string, number>();

  // Bodies arrive raw, whatever their type: routes parse them and answer with the API's own
  // error bodies, and tests see the exact bytes.
  const { app, requests, received } = createSandboxApp(opts.logger, historyLimit);

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof ConversationApiError) return reply.code(error.status).headers(error.headers).send(error.body);
    if (error instanceof OAuthError) return reply.code(error.status).headers({ ...error.headers, 'cache-control': 'no-store' }).send(error.body);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error(error);
    const message = error instanceof Error ? error.message : String(error);
    const answer = status >= 500 ? errors.internal() : new ConversationApiError(status, message);
    return reply.code(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = errors.notFound(`The requested URL ${pathOf(req.url)} was not found on this server.`);
    reply.code(404).send(e.body);
  });

  // ---------------------------------------------------------------------------------------------
  // OAuth2 client credentials (B.2)

  function issueToken(project: SandboxProject): IssuedToken {
    const issuedAtMs = Date.now();
    const expiresAtMs = issuedAtMs + tokenTtlSeconds * 1000;
    // A JWT, as Sinch's are: the official SDK reads `exp` to refresh ahead of expiry.
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: 'sinch-conversation-sandbox',
        sub: project.accessKey,
        project_id: project.projectId,
        iat: Math.floor(issuedAtMs / 1000),
        exp: Math.floor(expiresAtMs / 1000),
        jti: ulid(),
      }),
    );
    const signature = base64url(createHmac('sha256', signingKey).update(`${header}.${payload}`).digest());
    const issued: IssuedToken = { projectId: project.projectId, accessKey: project.accessKey, token: `${header}.${payload}.${signature}`, issuedAtMs, expiresAtMs, revoked: false };
    if (tokens.size >= historyLimit) {
      for (const [value, t] of tokens) if (t.expiresAtMs < issuedAtMs) tokens.delete(value);
    }
    tokens.set(issued.token, issued);
    appendBounded(tokensIssued, issued, historyLimit);
    return issued;
  }

  /** The project whose key and secret are in a `Basic` header, if they match. */
  function basicProject(authorization: string): SandboxProject | undefined {
    const credentials = basicCredentials(authorization);
    if (!credentials) return undefined;
    return opts.projects.find((p) => p.accessKey === credentials.user && sameSecret(p.accessSecret, credentials.password));
  }

  app.post('/oauth2/token', async (req, reply) => {
    const project = basicProject(req.headers.authorization ?? '');
    if (!project) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed: unknown access key or wrong secret.', {
        'www-authenticate': 'Basic realm="sinch"',
      });
    }
    if (!hasMediaType(req.headers['content-type'], 'application/x-www-form-urlencoded')) {
      throw new OAuthError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    const grant = form.get('grant_type');
    if (!grant) throw new OAuthError(400, 'invalid_request', 'Missing grant_type.');
    if (grant !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant_type '${grant}'.`);
    const issued = issueToken(project);
    return reply.header('cache-control', 'no-store').send({
      access_token: issued.token,
      expires_in: tokenTtlSeconds,
      scope: '',
      token_type: 'bearer',
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Conversation API

  /** Bearer token (or the discouraged Basic key:secret, B.2) → the project it belongs to. */
  function authenticate(req: FastifyRequest, projectId: string): SandboxProject {
    const authorization = req.headers.authorization ?? '';
    let project: SandboxProject | undefined;
    const bearer = bearerToken(authorization);
    if (bearer) {
      const issued = tokens.get(bearer);
      if (!issued) throw errors.unauthenticated();
      if (issued.revoked) throw errors.tokenExpired(true);
      if (Date.now() >= issued.expiresAtMs) throw errors.tokenExpired(false);
      project = projects.get(issued.projectId);
    } else {
      project = basicProject(authorization);
    }
    if (!project) throw errors.unauthenticated();
    if (!projects.has(projectId)) throw errors.notFound(`Project ${projectId} not found.`);
    if (project.projectId !== projectId) throw errors.permissionDenied(`The credentials do not grant access to project ${projectId}.`);
    return project;
  }

  function jsonBody(req: FastifyRequest): unknown {
    if (!hasMediaType(req.headers['content-type'], 'application/json')) {
      throw errors.invalidArgument('Invalid JSON payload received. Content-Type must be application/json.');
    }
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw errors.invalidArgument(`Invalid JSON payload received. ${err instanceof Error ? err.message : 'Unreadable body.'}`);
    }
  }

  function findApp(project: SandboxProject, appId: string): SandboxApp {
    const app = project.apps.find((a) => a.appId === appId);
    if (!app) throw errors.notFound(`App ${appId} not found in project ${project.projectId}.`);
    return app;
  }

  function forcedError(identity: string): ConversationApiError | undefined {
    const { sendError } = behaviourFor(identity);
    if (!sendError) return undefined;
    const key = identityDigits(identity);
    const done = forcedFailures.get(key) ?? 0;
    if (done >= sendError.times) return undefined;
    forcedFailures.set(key, done + 1);
    return sendError.status === 429 ? errors.tooManyRequests() : errors.internal();
  }

  /** A failure decided before the channel sees the message: unknown template, bad identity. */
  function upfrontFailure(app: SandboxApp, request: SendRequest, channel: string, identity: string): string | undefined {
    if (app.templates) {
      for (const ref of request.templates) {
        if (ref.channel !== null && ref.channel !== channel) continue;
        const known = app.templates.find((t) => t.id === ref.template_id);
        if (!known) return 'TEMPLATE_NOT_FOUND';
        if (known.language_code && ref.language_code && known.language_code !== ref.language_code) {
          return 'TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION';
        }
      }
    }
    if (MSISDN_CHANNELS.has(channel) && !/^\+?[1-9]\d{6,14}$/.test(identity)) return 'RECIPIENT_INVALID_CHANNEL_IDENTITY';
    return undefined;
  }

  app.post<{ Params: { projectId: string } }>('/v1/projects/:projectId/messages::send', async (req, reply) => {
    const project = authenticate(req, req.params.projectId);
    if (!limiter.allow(project.projectId)) throw errors.tooManyRequests();
    const request = validateSendRequest(jsonBody(req));
    const target = findApp(project, request.appId);
    for (const channel of request.channels) {
      if (!(target.channels as string[]).includes(channel)) {
        throw errors.invalidArgument(`Channel ${channel} is not configured for app ${target.appId}.`);
      }
    }
    const channel = request.channels[0]!;
    const identity = request.identities.find((i) => i.channel === channel)!.identity;
    const forced = forcedError(identity);
    if (forced) throw forced;

    const now = new Date();
    const message: SandboxMessage = {
      projectId: project.projectId,
      appId: target.appId,
      messageId: ulid(),
      acceptedTime: now.toISOString(),
      request,
      body: received(req)?.body ?? '',
      channel,
      identity,
      behaviour: behaviourFor(identity),
      status: 'QUEUED',
      reports: [],
    };
    appendBounded(messages, message, historyLimit);
    deliver(project, target, message, upfrontFailure(target, request, channel, identity));
    return reply.code(200).send({ message_id: message.messageId, accepted_time: message.acceptedTime });
  });

  /** The reports a message will get, from its test number (or an upfront failure). */
  function plan(message: SandboxMessage, failure: string | undefined): PlannedReport[] {
    const b = message.behaviour;
    const f = b.delayFactor;
    const q = delays.queuedMs * f;
    const d = delays.deliveredMs * f;
    const r = delays.readMs * f;
    const channel = message.channel;
    const at = (status: ReportStatus, eventMs: number, reason?: string, on = channel): PlannedReport => ({
      status,
      channel: on,
      eventMs,
      sendMs: eventMs,
      ...(reason ? { reason } : {}),
    });
    let steps: PlannedReport[];
    if (failure) {
      steps = [at('FAILED', q, failure)];
    } else {
      const o = b.outcome;
      switch (o.kind) {
        case 'read':
          steps = [at('QUEUED_ON_CHANNEL', q), at('DELIVERED', d), ...(READ_RECEIPT_CHANNELS.has(channel) ? [at('READ', r)] : [])];
          break;
        case 'delivered':
          steps = [at('QUEUED_ON_CHANNEL', q), at('DELIVERED', d)];
          break;
        case 'failed':
          steps = o.queued ? [at('QUEUED_ON_CHANNEL', q), at('FAILED', d, o.reason)] : [at('FAILED', q, o.reason)];
          break;
        case 'switching': {
          const channels = message.request.channels;
          const step = (d - q) / channels.length;
          steps = channels.map((c, i) => at('SWITCHING_CHANNEL', q + i * step, o.reason, c));
          steps.push(at('FAILED', d, 'NO_CHANNELS_LEFT', channels[channels.length - 1]));
          break;
        }
      }
    }
    switch (b.callbacks) {
      case 'duplicate':
        return steps.flatMap((s) => [s, { ...s, sendMs: s.sendMs + q / 2 }]);
      case 'reversed': {
        // Same channel times, delivered last-first.
        const times = steps.map((s) => s.sendMs);
        return [...steps].reverse().map((s, i) => ({ ...s, sendMs: times[i]! }));
      }
      default:
        return steps;
    }
  }

  function deliver(project: SandboxProject, target: SandboxApp, message: SandboxMessage, failure: string | undefined): void {
    const acceptedMs = Date.parse(message.acceptedTime);
    const url = message.request.callbackUrl ?? target.webhookUrl;
    for (const step of plan(message, failure)) {
      scheduler.after(step.sendMs, () => {
        const sentAt = new Date();
        message.reports.push({ status: step.status, channel: step.channel, at: sentAt.toISOString(), ...(step.reason ? { reason: step.reason } : {}) });
        if (STATUS_RANK[step.status] > STATUS_RANK[message.status]) message.status = step.status;
        if (message.behaviour.callbacks === 'none' || !url) return undefined;
        const identity = message.request.identities.find((i) => i.channel === step.channel)?.identity ?? message.identity;
        const payload = {
          app_id: target.appId,
          accepted_time: sentAt.toISOString(),
          // The channel's own time of the event, a little before Sinch got it.
          event_time: new Date(Math.min(acceptedMs + step.eventMs, sentAt.getTime()) - 40).toISOString(),
          project_id: project.projectId,
          message_metadata: message.request.messageMetadata,
          correlation_id: message.request.correlationId,
          message_delivery_report: {
            message_id: message.messageId,
            conversation_id: '',
            status: step.status,
            // MSISDN identities are reported as digits without "+" (B.5 fixture).
            channel_identity: { channel: step.channel, identity: reportedIdentity(step.channel, identity), app_id: '' },
            contact_id: '',
            ...(step.reason
              ? { reason: { code: step.reason, description: REASON_DESCRIPTIONS[step.reason] ?? step.reason, sub_code: 'UNSPECIFIED_SUB_CODE' } }
              : {}),
            metadata: message.request.messageMetadata,
            processing_mode: 'DISPATCH',
          },
        };
        return sender.send({ trigger: 'MESSAGE_DELIVERY', url, appId: target.appId, messageId: message.messageId, payload, secret: target.webhookSecret });
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Inbound and consent callbacks

  function appOrThrow(appId: string): { project: SandboxProject; app: SandboxApp } {
    const found = apps.get(appId);
    if (!found) throw new Error(`Unknown app '${appId}'`);
    return found;
  }

  function envelope(project: SandboxProject, target: SandboxApp, now: Date): Record<string, unknown> {
    return {
      app_id: target.appId,
      accepted_time: now.toISOString(),
      event_time: new Date(now.getTime() - 300).toISOString(),
      project_id: project.projectId,
      message_metadata: '',
      correlation_id: '',
    };
  }

  async function post(trigger: string, url: string | undefined, target: SandboxApp, payload: Record<string, unknown>, id: string): Promise<InjectResult> {
    if (!url) throw new Error(`App '${target.appId}' has no webhook URL and none was given`);
    const attempt = await sender.send({ trigger, url, appId: target.appId, payload, secret: target.webhookSecret });
    return { status: attempt.status ?? 0, id, ...(attempt.error ? { error: attempt.error } : {}) };
  }

  async function injectInbound(o: InjectInboundOptions): Promise<InjectResult> {
    const { project, app: target } = appOrThrow(o.appId);
    if (!o.text && !o.mediaUrl) throw new Error('injectInbound needs text or mediaUrl');
    const now = new Date();
    const id = ulid();
    const contactMessage = o.mediaUrl ? { media_message: { url: o.mediaUrl } } : { text_message: { text: o.text ?? '' } };
    const payload = {
      ...envelope(project, target, now),
      message: {
        id,
        direction: 'TO_APP',
        contact_message: contactMessage,
        channel_identity: { channel: o.channel, identity: reportedIdentity(o.channel, o.from), app_id: '' },
        conversation_id: '',
        contact_id: '',
        metadata: '',
        accept_time: new Date(now.getTime() - 50).toISOString(),
        sender_id: '',
        processing_mode: 'DISPATCH',
        injected: false,
      },
    };
    return post('MESSAGE_INBOUND', o.url ?? target.webhookUrl, target, payload, id);
  }

  async function injectConsent(o: InjectConsentOptions): Promise<InjectResult> {
    const { project, app: target } = appOrThrow(o.appId);
    const requestId = ulid();
    const key = o.optedOut ? 'opt_out_notification' : 'opt_in_notification';
    const payload = {
      ...envelope(project, target, new Date()),
      [key]: {
        request_id: requestId,
        contact_id: '',
        channel: o.channel,
        identity: reportedIdentity(o.channel, o.identity),
        status: o.optedOut ? 'OPT_OUT_SUCCEEDED' : 'OPT_IN_SUCCEEDED',
        processing_mode: 'DISPATCH',
      },
    };
    return post(o.optedOut ? 'OPT_OUT' : 'OPT_IN', o.url ?? target.webhookUrl, target, payload, requestId);
  }

  // Not part of Sinch's API: lets a standalone sandbox fake a customer's reply or opt-out (README.md).
  app.post<{ Params: { projectId: string; appId: string; kind: string } }>(
    '/sandbox/v1/projects/:projectId/apps/:appId/:kind',
    async (req) => {
      const project = authenticate(req, req.params.projectId);
      const target = findApp(project, req.params.appId);
      const input = jsonBody(req);
      const body = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
      const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k]) : undefined);
      const channel = (str('channel') ?? target.channels[0]) as SandboxChannel;
      if (!target.channels.includes(channel)) throw errors.invalidArgument(`Channel ${channel} is not configured for app ${target.appId}.`);
      const url = str('url');
      if (!url && !target.webhookUrl) throw errors.invalidArgument(`App ${target.appId} has no webhook URL; give one as 'url'.`);
      const identity = str('from') ?? str('identity');
      if (!identity) throw errors.invalidArgument("Missing 'from' (the customer's number).");
      switch (req.params.kind) {
        case 'inbound': {
          const text = str('text');
          const mediaUrl = str('media_url');
          if (!text && !mediaUrl) throw errors.invalidArgument("Give 'text' or 'media_url'.");
          return injectInbound({ appId: target.appId, channel, from: identity, ...(text ? { text } : {}), ...(mediaUrl ? { mediaUrl } : {}), ...(url ? { url } : {}) });
        }
        case 'opt-out':
        case 'opt-in':
          return injectConsent({ appId: target.appId, channel, identity, optedOut: req.params.kind === 'opt-out', ...(url ? { url } : {}) });
        default:
          throw errors.notFound(`Unknown sandbox action '${req.params.kind}'.`);
      }
    },
  );

  return Object.assign(sandboxBase('Sinch Conversation', { app, requests, scheduler, sender }), {
    messages,
    callbacks: sender.log,
    tokensIssued,
    injectInbound,
    injectConsent,
    revokeTokens() {
      for (const t of tokens.values()) t.revoked = true;
    },
  });
}

/** MSISDN identities go out as digits without "+"; other channels' identities as given. */
function reportedIdentity(channel: string, identity: string): string {
  return MSISDN_CHANNELS.has(channel) && /^\+?\d+$/.test(identity) ? identityDigits(identity) : identity;
}
