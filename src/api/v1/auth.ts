// Bearer API keys. The admin key may do anything; a project key acts within its own project and
// may not change integrations or settings.
import type { FastifyRequest } from 'fastify';
import type { Hub } from '../../hub.js';
import { forbidden, unauthorized } from '../errors.js';
import { authenticate, type Principal } from '../../services/api-keys.js';
import { sessionPrincipal } from '../../services/console-sessions.js';
import { CSRF_HEADER, csrfRefused, sessionToken } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller: by its Bearer key, else by its console session cookie. A cookie is sent by the
 * browser whoever made the page, so with it an unsafe method must also carry the CSRF header.
 */
export async function resolvePrincipal(hub: Hub, req: FastifyRequest): Promise<Principal | null> {
  const token = bearer(req);
  if (token) return authenticate(hub.db, hub.config.adminToken, token);
  const session = sessionToken(req);
  if (!session) return null;
  const principal = await sessionPrincipal(hub.db, hub.config.adminToken, session);
  if (principal && !SAFE_METHODS.has(req.method) && !req.headers[CSRF_HEADER]) throw csrfRefused();
  return principal;
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

export function requireAdmin(req: FastifyRequest): void {
  if (principalOf(req).role !== 'admin') throw forbidden('this action needs the admin API key');
}

/** Admin, or a key of this very project. */
export function requireProject(req: FastifyRequest, projectId: string): void {
  const p = principalOf(req);
  if (p.role === 'project' && p.projectId !== projectId) throw forbidden('this API key belongs to another project');
}
