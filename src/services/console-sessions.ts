// Console sign-in: an API key is exchanged once for a random session token that lives in an
// HttpOnly cookie, so no script in the page can read the key or the token. Only the token's hash
// is stored; a session ends when signed out, when it expires, when its project key is revoked,
// or (admin) when the hub's admin token changes.
import { randomToken, safeEqual, sha256Hex } from '../core/crypto.js';
import * as sessionStore from '../store/console-sessions.js';
import type { DB } from '../store/db.js';
import { authenticate, type Principal } from './api-keys.js';

/** How long a console session lasts from sign-in, whatever its use. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface OpenedSession {
  token: string;
  principal: Principal;
  expiresAt: number;
}

/** Null when the key is not valid. */
export async function openSession(db: DB, adminToken: string, apiKey: string, now = Date.now()): Promise<OpenedSession | null> {
  const principal = await authenticate(db, adminToken, apiKey);
  if (!principal) return null;
  await sessionStore.removeExpired(db, now);
  const token = randomToken(32);
  const expiresAt = now + SESSION_TTL_MS;
  await sessionStore.insert(db, {
    token_hash: sha256Hex(token),
    role: principal.role,
    project_id: principal.role === 'project' ? principal.projectId : null,
    key_id: principal.role === 'project' ? principal.keyId : null,
    admin_token_hash: principal.role === 'admin' ? sha256Hex(adminToken) : null,
    created_at: now,
    expires_at: expiresAt,
  });
  return { token, principal, expiresAt };
}

/** Who the session token speaks for, or null when it is unknown, expired or its key is gone. */
export async function sessionPrincipal(db: DB, adminToken: string, token: string, now = Date.now()): Promise<Principal | null> {
  const row = await sessionStore.findLive(db, sha256Hex(token), now);
  if (!row) return null;
  if (row.role === 'admin') return row.admin_token_hash && safeEqual(row.admin_token_hash, sha256Hex(adminToken)) ? { role: 'admin' } : null;
  if (!row.key_active || !row.project_id || !row.key_id) return null;
  return { role: 'project', projectId: row.project_id, keyId: row.key_id };
}

export async function closeSession(db: DB, token: string): Promise<void> {
  await sessionStore.remove(db, sha256Hex(token));
}
