// The HTTP server: the authenticated REST API under /api/v1 (v1/), the unauthenticated raw-body
// endpoints (public/: provider webhooks, short links; direct-send ingest in its feature folder),
// health and metrics.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Hub } from '../hub.js';
import * as healthStore from '../store/health.js';
import { ingestAdminRoutes } from '../direct-ingest/admin-routes.js';
import { ingestRoutes } from '../direct-ingest/endpoint.js';
import { isConsoleRoute, registerConsole } from './console.js';
import { errorHandler, sendError, unauthorized } from './errors.js';
import { assertJsonDepth, assertStorableStrings } from './json-guard.js';
import { openapiOptions } from './openapi.js';
import { linkRoutes } from './public/links.js';
import { webhookRoutes } from './public/webhooks.js';
import { resolvePrincipal } from './v1/auth.js';
import { audienceRoutes } from './v1/audiences.js';
import { campaignRoutes } from './v1/campaigns.js';
import { customerRoutes } from './v1/customers.js';
import { eventRoutes } from './v1/events.js';
import { eventStreamRoutes, type EventStreamOptions } from './v1/event-stream.js';
import { exportRoutes } from './v1/exports.js';
import { importRoutes } from './v1/imports.js';
import { integrationRoutes } from './v1/integrations.js';
import { messageRoutes } from './v1/messages.js';
import { projectRoutes } from './v1/projects.js';
import { ErrorBody } from './v1/schemas.js';
import { segmentRoutes } from './v1/segments.js';
import { healthRoutes } from './v1/health.js';
import { providerRoutes } from './v1/providers.js';
import { sessionRoutes } from './v1/session.js';
import { senderProfileRoutes } from './v1/sender-profiles.js';
import { twoWayRoutes } from './v1/two-way.js';
import { lazyChildLogger } from './request-logger.js';

/**
 * How often Node looks for requests past their headers or request timeout: its default of 30 s would
 * let a stalled request live up to 30 s beyond its timeout.
 */
function timeoutCheckInterval(...timeoutsMs: number[]): number {
  const shortest = Math.min(...timeoutsMs.filter((t) => t > 0));
  return Number.isFinite(shortest) ? Math.min(1000, Math.max(50, Math.floor(shortest / 4))) : 30_000;
}

/** Answers what the HTTP parser refused, in the hub's error shape; the connection is not reused. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request was not complete in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request line and headers are larger than the limit']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

export async function buildApp(hub: Hub, opts: { logger?: boolean; eventStream?: Partial<EventStreamOptions>; consoleDist?: string } = {}): Promise<FastifyInstance> {
  // Typed as Fastify's base logger, so the app's logger generic is the one its plugins expect.
  const loggerInstance: FastifyBaseLogger = hub.logger;
  const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, maxConnections } = hub.config;
  const app = Fastify({
    // One logger for the hub and its HTTP server, with the same redaction.
    ...(opts.logger === false ? { logger: false } : { loggerInstance }),
    bodyLimit: hub.config.bodyLimitBytes,
    // Bad types are refused, never coerced; unknown fields are named in the error.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Per-request lines only when debugging: at volume they drown everything else.
    logController: new LogController({ disableRequestLogging: hub.config.logLevel !== 'debug' }),
    childLoggerFactory: lazyChildLogger,
    trustProxy: true,
    // A URL the router cannot decode, or a path parameter past its length limit, answers in the
    // hub's error shape like every other refusal (Fastify's default has its own shape).
    frameworkErrors: (err, _req, reply) => {
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') void sendError(reply, 414, 'uri_too_long', 'a path segment of the URL is too long');
      else if (err.code === 'FST_ERR_BAD_URL') void sendError(reply, 400, 'bad_url', 'the URL is not validly percent-encoded');
      else void sendError(reply, 400, 'bad_request', err.message);
    },
    // Requests Node's parser refuses before any route sees them (headers or URL past the size
    // limit, a timeout, malformed HTTP): the same error shape, then the socket is closed.
    clientErrorHandler: answerClientError,
    // Slow clients (a declared body never sent, headers dribbled in) must not hold sockets forever.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      connectionsCheckingInterval: timeoutCheckInterval(requestTimeoutMs, headersTimeoutMs),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Keeps a flood of sockets from exhausting file descriptors (and with them /healthz).
  if (maxConnections > 0) app.server.maxConnections = maxConnections;

  app.setErrorHandler(errorHandler);
  // Console client routes get the app's page; everything else that matched no route, a JSON 404.
  const consolePage = await registerConsole(app, opts.consoleDist);
  app.setNotFoundHandler((req, reply) => {
    if (isConsoleRoute(req)) return consolePage(req, reply);
    return sendError(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
  });
  app.addSchema(ErrorBody);

  await app.register(swagger, openapiOptions);
  // The interactive reference, from the same document, its assets served from the package (works
  // offline). Outside /api/v1, so it needs no key; trying a call asks for one.
  await app.register(swaggerUi, { routePrefix: '/docs', theme: { title: 'Switchboard API' } });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await healthStore.ping(hub.db);
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database' });
    }
    if (!hub.running) return reply.code(503).send({ status: 'starting' });
    return { status: 'ready' };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    return reply.type(hub.metrics.contentType).send(await hub.metrics.render());
  });
  // By route pattern, never the raw URL: URLs carry ids, webhook tokens and app keys.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(no route)';
    hub.metrics.httpDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(
    async (api) => {
      api.decorateRequest('principal', null);
      // JSON bodies: refuse absurd nesting on the raw text, before anything recursive sees it; then
      // Fastify's own parser (with its prototype-poisoning checks). The raw-body endpoints outside
      // this scope keep their own parsers.
      const parseJson = api.getDefaultJsonParser('error', 'error');
      api.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
        const text = body as string;
        assertJsonDepth(text);
        void parseJson(req, text, done); // synchronous: it calls done itself
      });
      // Strings that cannot be stored (NUL, lone surrogates) are refused before validation, by field.
      api.addHook('preValidation', async (req) => {
        assertStorableStrings(req.params);
        assertStorableStrings(req.query);
        assertStorableStrings(req.body);
      });
      api.addHook('onRequest', async (req) => {
        if (req.url === '/api/v1/openapi.json') return;
        // Signing in is how a browser gets its credential: the key is in the body.
        if (req.method === 'POST' && req.routeOptions.url === '/api/v1/session') return;
        req.principal = await resolvePrincipal(hub, req);
        if (!req.principal) throw unauthorized();
      });
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(sessionRoutes(hub));
      await api.register(providerRoutes(hub));
      await api.register(healthRoutes(hub));
      await api.register(segmentRoutes(hub));
      await api.register(projectRoutes(hub));
      await api.register(integrationRoutes(hub));
      await api.register(senderProfileRoutes(hub));
      await api.register(customerRoutes(hub));
      await api.register(importRoutes(hub));
      await api.register(exportRoutes(hub));
      await api.register(messageRoutes(hub));
      await api.register(campaignRoutes(hub));
      await api.register(audienceRoutes(hub));
      await api.register(eventRoutes(hub));
      await api.register(eventStreamRoutes(hub, opts.eventStream));
      await api.register(ingestAdminRoutes(hub));
      await api.register(twoWayRoutes(hub));
    },
    { prefix: '/api/v1' },
  );

  await app.register(webhookRoutes(hub));
  await app.register(ingestRoutes(hub));
  await app.register(linkRoutes(hub));
  return app;
}
