import { sql, type Kysely } from 'kysely';

// Channel fallback (docs/fallback.md): a message may carry the channels to try next when its
// recipient is not reachable on its own (`fallback_plan`, JSON), the message it falls back from
// (`fallback_of`), the message sent as its own fallback (`fallback_message_id`, so that the
// message shows it without a lookup), and the fallback channels it passed over and why
// (`fallback_skipped`, JSON).
// A message falls back at most once: the unique index on the link makes a second fallback of
// the same message (a duplicated or reordered report, two processes) an insert that does nothing.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('fallback_of', 'text').execute();
  await db.schema.alterTable('messages').addColumn('fallback_plan', 'text').execute();
  await db.schema.alterTable('messages').addColumn('fallback_skipped', 'text').execute();
  await db.schema.alterTable('messages').addColumn('fallback_message_id', 'text').execute();
  await db.schema
    .createIndex('messages_fallback_of')
    .unique()
    .on('messages')
    .column('fallback_of')
    .where(sql.ref('fallback_of'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_fallback_of').execute();
  await db.schema.alterTable('messages').dropColumn('fallback_message_id').execute();
  await db.schema.alterTable('messages').dropColumn('fallback_skipped').execute();
  await db.schema.alterTable('messages').dropColumn('fallback_plan').execute();
  await db.schema.alterTable('messages').dropColumn('fallback_of').execute();
}
