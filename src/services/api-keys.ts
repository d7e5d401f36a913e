// API keys: the bootstrap admin token, and project keys an admin issues. Only hashes are stored.
import { randomToken, safeEqual, sha256Hex } from '../core/crypto.js';
import { notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import * as apiKeyStore from '../store/api-keys.js';
import type { DB } from '../store/db.js';

export type Principal = { role: 'admin' } | { role: 'project'; projectId: string; keyId: string };

export async function authenticate(db: DB, adminToken: string, presented: string): Promise<Principal | null> {
  if (safeEqual(presented, adminToken)) return { role: 'admin' };
  // Keys are 192-bit random: a lookup by their hash leaks nothing useful through timing.
  const key = await apiKeyStore.findActiveByHash(db, sha256Hex(presented));
  return key ? { role: 'project', projectId: key.project_id, keyId: key.id } : null;
}

export async function createApiKey(db: DB, projectId: string, name: string) {
  const id = newId('key');
  const key = `sbk_${randomToken()}`;
  const now = Date.now();
  await apiKeyStore.insert(db, { id, project_id: projectId, name, key_hash: sha256Hex(key), created_at: now, revoked_at: null });
  return { id, project_id: projectId, name, key, created_at: new Date(now).toISOString() };
}

export async function listApiKeys(db: DB, projectId: string) {
  const rows = await apiKeyStore.list(db, projectId);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    created_at: new Date(r.created_at).toISOString(),
    revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  }));
}

export async function revokeApiKey(db: DB, projectId: string, id: string): Promise<void> {
  if (!(await apiKeyStore.revoke(db, projectId, id, Date.now()))) throw notFound('api key', 'key_id');
}
