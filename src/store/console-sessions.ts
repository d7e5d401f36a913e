// Console sessions, stored by the hash of their token (services/console-sessions.ts).
import type { DB } from './db.js';
import type { ConsoleSessionsTable } from './schema.js';

export async function insert(db: DB, row: ConsoleSessionsTable): Promise<void> {
  await db.insertInto('console_sessions').values(row).execute();
}

/** The unexpired session with this token hash, with whether its project key is still active. */
export async function findLive(db: DB, tokenHash: string, now: number): Promise<(ConsoleSessionsTable & { key_active: number }) | undefined> {
  return db
    .selectFrom('console_sessions as s')
    .leftJoin('api_keys as k', (j) => j.onRef('k.id', '=', 's.key_id').on('k.revoked_at', 'is', null))
    .selectAll('s')
    .select((eb) => eb.case().when('k.id', 'is not', null).then(1).else(0).end().as('key_active'))
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
}

export async function remove(db: DB, tokenHash: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Drops sessions past their expiry; returns how many. */
export async function removeExpired(db: DB, now: number): Promise<number> {
  const res = await db.deleteFrom('console_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
