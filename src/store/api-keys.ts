// Project API keys, stored by the hash of the key.
import type { DB } from './db.js';
import type { ApiKeysTable } from './schema.js';

export async function insert(db: DB, row: ApiKeysTable): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** The unrevoked key with this hash. */
export async function findActiveByHash(db: DB, keyHash: string): Promise<Pick<ApiKeysTable, 'id' | 'project_id'> | undefined> {
  return db.selectFrom('api_keys').select(['id', 'project_id']).where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
}

/** A project's keys, revoked ones too, in id order; without their hashes. */
export async function list(db: DB, projectId: string): Promise<Pick<ApiKeysTable, 'id' | 'name' | 'created_at' | 'revoked_at'>[]> {
  return db.selectFrom('api_keys').select(['id', 'name', 'created_at', 'revoked_at']).where('project_id', '=', projectId).orderBy('id').execute();
}

/** Revokes the project's key unless already revoked; returns whether it did. */
export async function revoke(db: DB, projectId: string, id: string, at: number): Promise<boolean> {
  const res = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
