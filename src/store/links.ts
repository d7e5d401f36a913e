// Tracked short links (one per URL per message) and what a click on one needs of its message.
import { sql } from 'kysely';
import type { DB } from './db.js';
import type { LinksTable, MessagesTable } from './schema.js';

/** Rows per insert statement. */
const BATCH = 500;

/**
 * Stores the links whose codes are free (a taken code is skipped) and returns how many it
 * stored. Runs inside the caller's transaction behind a savepoint: when it fails, none of these
 * links remain, the error is thrown, and the transaction can go on without them.
 */
export async function insertMany(trx: DB, links: readonly LinksTable[]): Promise<number> {
  if (links.length === 0) return 0;
  await sql`savepoint tracked_links`.execute(trx);
  try {
    let inserted = 0n;
    for (let i = 0; i < links.length; i += BATCH) {
      const res = await trx
        .insertInto('links')
        .values(links.slice(i, i + BATCH))
        .onConflict((oc) => oc.column('code').doNothing())
        .executeTakeFirst();
      inserted += res.numInsertedOrUpdatedRows ?? 0n;
    }
    await sql`release savepoint tracked_links`.execute(trx);
    return Number(inserted);
  } catch (err) {
    await sql`rollback to savepoint tracked_links`.execute(trx);
    throw err;
  }
}

/** The message each of these codes belongs to; unknown codes are left out. */
export async function ownersOf(db: DB, codes: readonly string[]): Promise<Pick<LinksTable, 'code' | 'message_id'>[]> {
  if (codes.length === 0) return [];
  return db.selectFrom('links').select(['code', 'message_id']).where('code', 'in', codes).execute();
}

export async function find(db: DB, code: string): Promise<LinksTable | undefined> {
  return db.selectFrom('links').selectAll().where('code', '=', code).executeTakeFirst();
}

/** What a click event records of the message a link was sent in. */
export type ClickTarget = Pick<
  MessagesTable,
  | 'id'
  | 'project_id'
  | 'customer_ref'
  | 'customer_id'
  | 'campaign_id'
  | 'message_type'
  | 'channel'
  | 'recipient'
  | 'sender'
  | 'sent_at_us'
  | 'parts'
  | 'integration_id'
  | 'provider_message_id'
>;

/** The message a link belongs to, as a click event needs it. */
export async function findClickTarget(db: DB, messageId: string): Promise<ClickTarget | undefined> {
  return db
    .selectFrom('messages')
    .select([
      'id',
      'project_id',
      'customer_ref',
      'customer_id',
      'campaign_id',
      'message_type',
      'channel',
      'recipient',
      'sender',
      'sent_at_us',
      'parts',
      'integration_id',
      'provider_message_id',
    ])
    .where('id', '=', messageId)
    .executeTakeFirst();
}

/** Deletes the tracked links of these messages: their URLs may be personal, and a click has no one to count for. */
export async function removeForMessages(db: DB, messageIds: readonly string[]): Promise<void> {
  for (let i = 0; i < messageIds.length; i += BATCH) {
    await db.deleteFrom('links').where('message_id', 'in', messageIds.slice(i, i + BATCH)).execute();
  }
}
