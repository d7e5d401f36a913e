// Bearer API keys. The admin key may do anything; a project key acts within its own project and
// may not change integrations or settings.
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../errors.js';
import type { Principal } from '../../services/api-keys.js';

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
