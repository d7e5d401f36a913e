// Sinch Conversation API simulator: the OAuth2 token endpoint (B.2), `messages:send` (B.3,
// B.4) and reading sent messages back (message-resource.ts) on one server, and signed MESSAGE_DELIVERY / MESSAGE_INBOUND / OPT_OUT callbacks (B.5,
// B.7) to each app's webhook, so the hub and the official SDK talk to it unchanged. Outcomes
// per recipient come from test-numbers.ts; README.md documents the behaviour. Here: the routes
// and their wiring. auth.ts issues and checks tokens, validate.ts checks a send, delivery.ts
// sends its reports, inbound.ts fakes the customer's side, types.ts holds the public types.
import type { FastifyRequest } from 'fastify';
import { newMessageId } from './ids.js';
import { appendBounded } from '../kit/history.js';
import { SlidingWindowLimiter } from '../kit/rate-window.js';
import { Scheduler } from '../kit/scheduler.js';
import { createSandboxApp, hasMediaType, pathOf, sandboxBase } from '../kit/server.js';
import { ProjectAuth } from './auth.js';
import { CallbackSender } from './callbacks.js';
import { DeliverySimulator, upfrontFailure } from './delivery.js';
import { ConversationApiError, errors, OAuthError } from './errors.js';
import { CustomerEvents } from './inbound.js';
import { appResource } from './app-resource.js';
import { checkSource, listPage, messageResource } from './message-resource.js';
import { behaviourFor, identityDigits } from './test-numbers.js';
import type {
  Delays,
  InjectConsentOptions,
  InjectInboundOptions,
  SandboxApp,
  SandboxChannel,
  SandboxMessage,
  SandboxProject,
  SinchConversationSandbox,
  SinchConversationSandboxOptions,
} from './types.js';
import { validateSendRequest } from './validate.js';

// The public types, for importers of the sandbox (tests, cli.ts, demo.ts).
export type {
  Delays,
  InjectConsentOptions,
  InjectInboundOptions,
  InjectResult,
  IssuedToken,
  SandboxApp,
  SandboxChannel,
  SandboxMessage,
  SandboxProject,
  SandboxTemplate,
  SentReport,
  SinchConversationSandbox,
  SinchConversationSandboxOptions,
} from './types.js';

const DEFAULT_DELAYS: Delays = { queuedMs: 200, deliveredMs: 800, readMs: 1500 };

export function createSinchConversationSandbox(opts: SinchConversationSandboxOptions): SinchConversationSandbox {
  const historyLimit = opts.historyLimit ?? 10_000;
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
  const auth = new ProjectAuth(opts.projects, opts.tokenTtlSeconds ?? 3600, historyLimit);
  const delivery = new DeliverySimulator({ scheduler, sender, delays });
  const customers = new CustomerEvents(opts.projects, sender);
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

  app.post('/oauth2/token', async (req, reply) => {
    const project = auth.basicProject(req.headers.authorization ?? '');
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
    const issued = auth.issueToken(project);
    return reply.header('cache-control', 'no-store').send({
      access_token: issued.token,
      expires_in: auth.tokenTtlSeconds,
      scope: '',
      token_type: 'bearer',
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Conversation API

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

  app.post<{ Params: { projectId: string } }>('/v1/projects/:projectId/messages::send', async (req, reply) => {
    const project = auth.authenticate(req, req.params.projectId);
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
      messageId: newMessageId(),
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
    delivery.deliver(project, target, message, upfrontFailure(target, request, channel, identity));
    return reply.code(200).send({ message_id: message.messageId, accepted_time: message.acceptedTime });
  });

  // Get App (Node SDK `app.get`): what a client reads to check its project, app and region.
  app.get<{ Params: { projectId: string; appId: string } }>('/v1/projects/:projectId/apps/:appId', async (req) => {
    const project = auth.authenticate(req, req.params.projectId);
    return appResource(findApp(project, req.params.appId));
  });

  type Query = Record<string, string | undefined>;

  app.get<{ Params: { projectId: string }; Querystring: Query }>('/v1/projects/:projectId/messages', async (req) => {
    const project = auth.authenticate(req, req.params.projectId);
    return listPage(messages, project.projectId, req.query);
  });

  app.get<{ Params: { projectId: string; messageId: string }; Querystring: Query }>('/v1/projects/:projectId/messages/:messageId', async (req) => {
    const project = auth.authenticate(req, req.params.projectId);
    checkSource(req.query);
    const found = messages.find((m) => m.projectId === project.projectId && m.messageId === req.params.messageId);
    if (!found) throw errors.notFound(`Message ${req.params.messageId} not found.`);
    return messageResource(found);
  });

  // ---------------------------------------------------------------------------------------------
  // Not part of Sinch's API: lets a standalone sandbox fake a customer's reply or opt-out (README.md).

  app.post<{ Params: { projectId: string; appId: string; kind: string } }>(
    '/sandbox/v1/projects/:projectId/apps/:appId/:kind',
    async (req) => {
      const project = auth.authenticate(req, req.params.projectId);
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
          return customers.injectInbound({ appId: target.appId, channel, from: identity, ...(text ? { text } : {}), ...(mediaUrl ? { mediaUrl } : {}), ...(url ? { url } : {}) });
        }
        case 'opt-out':
        case 'opt-in':
          return customers.injectConsent({ appId: target.appId, channel, identity, optedOut: req.params.kind === 'opt-out', ...(url ? { url } : {}) });
        default:
          throw errors.notFound(`Unknown sandbox action '${req.params.kind}'.`);
      }
    },
  );

  return Object.assign(sandboxBase('Sinch Conversation', { app, requests, scheduler, sender }), {
    messages,
    callbacks: sender.log,
    tokensIssued: auth.tokensIssued,
    injectInbound: (o: InjectInboundOptions) => customers.injectInbound(o),
    injectConsent: (o: InjectConsentOptions) => customers.injectConsent(o),
    revokeTokens: () => auth.revokeTokens(),
  });
}
