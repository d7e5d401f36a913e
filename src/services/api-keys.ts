// API keys: the bootstrap admin token, and project keys an admin issues. Only hashes are stored.
import { randomToken, safeEqual, sha256Hex } from '../core/crypto.js';
import { notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { DB } from '../store/db.js';

export type Principal = { role: 'admin' } | { role: 'project'; projectId: string; keyId: string };

export async function authenticate(db: DB, adminToken: string, presented: string): Promise<Principal | null> {
  if (safeEqual(presented, adminToken)) return { role: 'admin' };
  // Keys are 192-bit random: a lookup by their hash leaks nothing useful through timing.
  const key = await db
    .selectFrom('api_keys')
    .select(['id', 'project_id'])
    .where('key_hash', '=', sha256Hex(presented))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return key ? { role: 'project', projectId: key.project_id, keyId: key.id } : null;
}

export async function createApiKey(db: DB, projectId: string, name: string) {
  const id = newId('key');
  const key = `sbk_${randomToken()}`;
  const now = Date.now();
  await db.insertInto('api_keys').values({ id, project_id: projectId, name, key_hash: sha256Hex(key), created_at: now, revoked_at: null }).execute();
  return { id, project_id: projectId, name, key, created_at: new Date(now).toISOString() };
}

export async function listApiKeys(db: DB, projectId: string) {
  const rows = await db.selectFrom('api_keys').select(['id', 'name', 'created_at', 'revoked_at']).where('project_id', '=', projectId).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    created_at: new Date(r.created_at).toISOString(),
    revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  }));
}

export async function revokeApiKey(db: DB, projectId: string, id: string): Promise<void> {
  const res = await db
    .updateTable('api_keys')
    .set({ revoked_at: Date.now() })
    .where('id', '=', id)
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (res.numUpdatedRows === 0n) throw notFound('api key', 'key_id');
}
