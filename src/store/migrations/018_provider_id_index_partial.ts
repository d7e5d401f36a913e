import { sql, type Kysely } from 'kysely';

// A message has no provider id until its provider accepts it, and the provider-id index is only
// ever searched with one (`provider_message_id in (…)`, which both databases know excludes NULL).
// Indexing only the messages that have one spares every queued message an index entry: a
// campaign's launch writes one entry fewer per recipient, and the entry is written once, when the
// provider answers, instead of written at launch and moved then.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_provider_id').execute();
  await db.schema
    .createIndex('messages_provider_id')
    .on('messages')
    .columns(['integration_id', 'provider_message_id'])
    .where(sql.ref('provider_message_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_provider_id').execute();
  await db.schema.createIndex('messages_provider_id').on('messages').columns(['integration_id', 'provider_message_id']).execute();
}
