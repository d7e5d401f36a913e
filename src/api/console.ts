// The admin console (web/, docs/console.md): its built files served at / from the same origin as
// the API, and index.html for the console's own client routes. Paths the hub answers itself
// (the API, docs, webhooks, ingest, short links, health, metrics) are never shadowed: they keep
// their JSON 404s.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** web/dist from src/api or dist/api alike: both are two folders below the package root. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const RESERVED = /^\/(api|docs|webhooks|ingest|l|healthz|readyz|metrics)(\/|$)/;

// The page loads only its own scripts and styles; Mantine sets inline style attributes.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title></head><body>
<h1>Switchboard</h1><p>The admin console is not built. Run <code>npm run build</code> (it builds web/ into web/dist), then restart the hub.</p>
<p>The API is up: <a href="/docs">/docs</a>.</p></body></html>`;

/** Whether a request that matched no route is a console page (a client route), not a missing resource. */
export function isConsoleRoute(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?')[0]!;
  if (RESERVED.test(path)) return false;
  // A missing asset (a dotted last segment) is a 404, not the app.
  return !/\.[A-Za-z0-9]+$/.test(path);
}

export function consoleBuilt(dist = CONSOLE_DIST): boolean {
  return existsSync(`${dist}index.html`);
}

export async function registerConsole(app: FastifyInstance, dist = CONSOLE_DIST): Promise<(req: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>> {
  if (!consoleBuilt(dist)) {
    return (_req, reply) => reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    wildcard: false,
    cacheControl: false,
    index: ['index.html'],
    setHeaders: (res, path) => {
      // Hashed file names: cache for good. index.html: always ask, so a new build is picked up.
      if (path.includes('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else res.setHeader('cache-control', 'no-cache');
      if (path.endsWith('.html')) res.setHeader('content-security-policy', CSP);
    },
  });
  return (_req, reply) => reply.header('cache-control', 'no-cache').header('content-security-policy', CSP).sendFile('index.html');
}
