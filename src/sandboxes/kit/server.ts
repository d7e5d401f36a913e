// The Fastify plumbing every sandbox has in common: raw bodies, a bounded log of the requests
// received (with the status answered), credential checks, and listening on a reported URL.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { appendBounded } from './history.js';

/** An API request as received, for tests. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  /** Path without the query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body, when there was one. */
  body?: string;
  /** The status the sandbox answered. */
  status: number;
  at: string;
}

export interface SandboxApp {
  app: FastifyInstance;
  /** Every request received, oldest first, kept to the newest `historyLimit`. */
  requests: ReceivedRequest[];
  /** The record of a request being handled. */
  received: (req: FastifyRequest) => ReceivedRequest | undefined;
}

/**
 * A Fastify app whose bodies arrive raw (a Buffer), whatever their type: routes parse them and
 * answer with the provider's own error bodies, and tests see the exact bytes. Every request is
 * recorded with its body and the status answered.
 */
export function createSandboxApp(logger: boolean | object | undefined, historyLimit: number): SandboxApp {
  const app = Fastify({ logger: (logger ?? false) as FastifyServerOptions['logger'] });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const requests: ReceivedRequest[] = [];
  const records = new WeakMap<FastifyRequest, ReceivedRequest>();
  app.addHook('onRequest', async (req) => {
    const record: ReceivedRequest = {
      method: req.method,
      url: req.url,
      path: pathOf(req.url),
      headers: { ...req.headers },
      status: 0,
      at: new Date().toISOString(),
    };
    records.set(req, record);
    appendBounded(requests, record, historyLimit);
  });
  app.addHook('preHandler', async (req) => {
    const record = records.get(req);
    if (record && Buffer.isBuffer(req.body)) record.body = req.body.toString('utf8');
  });
  app.addHook('onResponse', async (req, reply) => {
    const record = records.get(req);
    if (record) record.status = reply.statusCode;
  });
  return { app, requests, received: (req) => records.get(req) };
}

/** A request URL without its query. */
export function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/** Whether two secrets are equal, in constant time for equal lengths. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The user and password of an HTTP Basic `Authorization` header, if it is one. */
export function basicCredentials(authorization: string): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an HTTP `Bearer` `Authorization` header, if it is one. */
export function bearerToken(authorization: string): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

/** Whether a Content-Type header names `mediaType` (parameters such as charset allowed). */
export function hasMediaType(contentType: string | undefined, mediaType: string): boolean {
  if (!contentType) return false;
  const escaped = mediaType.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${escaped}\\s*(;|$)`, 'i').test(contentType);
}

/** What every sandbox offers, whatever it simulates. */
export interface Sandbox {
  /** Base URL once listening, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  listen(port?: number, host?: string): Promise<string>;
  /** Stops the timers (nothing new starts), then the server, then the callback sender. */
  close(): Promise<void>;
  /** Every API request received, with headers, raw body and the status answered. */
  readonly requests: readonly ReceivedRequest[];
  /** Resolves when no callback is scheduled, in flight or waiting for a retry. */
  idle(): Promise<void>;
  /** The underlying Fastify app (e.g. for `inject`). */
  readonly app: FastifyInstance;
}

/** Options every sandbox takes. */
export interface SandboxOptions {
  /** Sends per second per account (plan, project) above which the API answers 429 (default: unlimited). */
  ratePerSecond?: number;
  /** Delay before the first callback retry, doubling afterwards (default 5000 for Sinch SMS, as Sinch; else 1000). */
  retryBaseMs?: number;
  /** How long a callback receiver may take to answer (default 10 000 ms; Twilio 15 000 ms, its read timeout). */
  callbackTimeoutMs?: number;
  /** Requests, messages and callback attempts kept for inspection; the oldest go first (default 10 000 each). */
  historyLimit?: number;
  logger?: boolean | object;
}

/** The `Sandbox` part of a sandbox's public object; the provider adds the rest with Object.assign. */
export function sandboxBase(
  name: string,
  parts: { app: FastifyInstance; requests: ReceivedRequest[]; scheduler: { close(): void; idle(): Promise<void> }; sender: { close(): Promise<void> } },
): Sandbox {
  const { app, requests, scheduler, sender } = parts;
  let baseUrl: string | undefined;
  return {
    get url() {
      if (!baseUrl) throw new Error(`The ${name} sandbox is not listening yet`);
      return baseUrl;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${shown}:${address.port}`;
      return baseUrl;
    },
    async close() {
      scheduler.close();
      await app.close();
      await sender.close();
    },
    requests,
    idle: () => scheduler.idle(),
    app,
  };
}
