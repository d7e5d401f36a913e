import type { Kysely } from 'kysely';

// The fingerprint of the request that an idempotency key first came with, so a later request
// with the same key but another body is refused instead of silently answered with the first
// message. Null for messages sent without a key, and for those stored before this column.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('idempotency_fingerprint', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('idempotency_fingerprint').execute();
}
