// Console sign-in (docs/console.md): POST /session exchanges an API key for an HttpOnly cookie;
// GET says who the caller is; DELETE signs out. The key itself never reaches a cookie or storage
// a script could read.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Hub } from '../../hub.js';
import { closeSession, openSession } from '../../services/console-sessions.js';
import { HttpError } from '../errors.js';
import { clientAddress, SignInLimiter } from '../sign-in-limiter.js';
import { bearer, principalOf } from './auth.js';
import { errorResponse, errorResponses, NoContent } from './schemas.js';

export const SESSION_COOKIE = 'sb_session';
/** The header a cookie-authenticated unsafe request must carry: another site's form or fetch cannot send it without a CORS grant the hub never gives. */
export const CSRF_HEADER = 'x-switchboard-csrf';

export function sessionToken(req: FastifyRequest): string | null {
  const raw = req.headers.cookie;
  if (!raw) return null;
  const token = parseCookies(raw)[SESSION_COOKIE];
  return token && /^[A-Za-z0-9_-]{16,128}$/.test(token) ? token : null;
}

/** Secure when the hub is reached over HTTPS (directly or, with trustProxy, behind a TLS proxy). */
function secure(hub: Hub, req: FastifyRequest): boolean {
  return req.protocol === 'https' || hub.config.publicUrl.startsWith('https:');
}

function setCookie(reply: FastifyReply, value: string, maxAgeSeconds: number, isSecure: boolean): void {
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure: isSecure, path: '/', maxAge: maxAgeSeconds }));
}

const Session = Type.Object({
  role: Type.Union([Type.Literal('admin'), Type.Literal('project')]),
  project_id: Type.Union([Type.String(), Type.Null()], { description: 'the project of a project key; null for the admin key' }),
  via: Type.Union([Type.Literal('cookie'), Type.Literal('bearer')], { description: 'how this request was authenticated' }),
});

const waitText = (s: number) => (s < 90 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`);

export const csrfRefused = () => new HttpError(403, 'csrf_header_required', `a request authenticated by the session cookie must send the ${CSRF_HEADER} header`);

export const sessionRoutes = (hub: Hub, limiter = new SignInLimiter()): FastifyPluginAsyncTypebox => async (app) => {
  const { maxFailures, windowMs } = limiter.limits;
  app.post('/session', {
    schema: {
      tags: ['session'],
      operationId: 'createSession',
      summary: 'Sign in to the console',
      description: `Exchanges an API key for a session cookie (${SESSION_COOKIE}: HttpOnly, SameSite=Strict, Secure over HTTPS, 12 hours). Requests with the cookie need no Authorization header; unsafe methods must send ${CSRF_HEADER}: 1.`,
      security: [],
      body: Type.Object({ api_key: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
      response: {
        201: Session,
        ...errorResponses,
        429: errorResponse(`${maxFailures} failed sign-ins from this address within ${windowMs / 60_000} minutes: refused, whatever the key, until Retry-After (seconds) has passed`),
      },
    },
  }, async (req, reply) => {
    const client = clientAddress(req);
    const wait = limiter.blockedFor(client);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new HttpError(429, 'too_many_sign_ins', `Too many failed sign-ins from this address: try again in ${waitText(wait)}.`);
    }
    const opened = await openSession(hub.db, hub.config.adminToken, req.body.api_key);
    if (!opened) {
      limiter.recordFailure(client);
      throw new HttpError(401, 'unauthorized', 'this API key is not valid (mistyped, revoked, or of another hub)');
    }
    setCookie(reply, opened.token, Math.floor((opened.expiresAt - Date.now()) / 1000), secure(hub, req));
    const p = opened.principal;
    return reply.code(201).send({ role: p.role, project_id: p.role === 'project' ? p.projectId : null, via: 'cookie' as const });
  });

  app.get('/session', {
    schema: { tags: ['session'], operationId: 'getSession', summary: 'Who am I', description: 'The role and project of the key behind this request.', response: { 200: Session, ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    return { role: p.role, project_id: p.role === 'project' ? p.projectId : null, via: bearer(req) ? ('bearer' as const) : ('cookie' as const) };
  });

  app.delete('/session', {
    schema: { tags: ['session'], operationId: 'deleteSession', summary: 'Sign out', description: 'Ends the session of the cookie and clears it.', response: { 204: NoContent, ...errorResponses } },
  }, async (req, reply) => {
    const token = sessionToken(req);
    if (token) await closeSession(hub.db, token);
    setCookie(reply, '', 0, secure(hub, req));
    return reply.code(204).send();
  });
};
