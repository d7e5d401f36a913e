// The send attempts of each message with their integration, and failover moves (docs/failover.md).
import type { Insertable } from 'kysely';
import type { DB } from './db.js';
import type { MessageAttemptsTable } from './schema.js';

export type NewAttempt = Insertable<MessageAttemptsTable>;

/** Rows per statement: far below either store's bound on parameters (6 per row). */
const CHUNK = 500;

/** Appends attempts, in as few statements as the chunk allows. */
export async function insertMany(db: DB, rows: readonly NewAttempt[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('message_attempts').values(rows.slice(i, i + CHUNK)).execute();
}

/** A message's attempts, oldest first (at most `limit`). */
export function listForMessage(db: DB, messageId: string, limit = 100): Promise<Omit<MessageAttemptsTable, 'id'>[]> {
  return db
    .selectFrom('message_attempts')
    .select(['message_id', 'integration_id', 'at', 'outcome', 'status_code', 'error'])
    .where('message_id', '=', messageId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
