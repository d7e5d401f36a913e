import { sql, type Kysely } from 'kysely';

// Scheduling and control of campaigns: when a scheduled campaign launches (send_at), and how
// many of its messages a cancel took off the queue. A campaign's state gains `scheduled`,
// `paused` and `cancelled`; messages gain the dispatch state `paused` (no schema change: text).
// The frequency cap needs no new index: messages_customer (customer_ref, id) with ids ordered by
// time answers "this customer's messages since T" as a range scan.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('campaigns').addColumn('send_at', 'bigint').execute();
  await db.schema.alterTable('campaigns').addColumn('cancelled_messages', 'integer').execute();
  // The scheduler's query: scheduled campaigns whose time has come.
  await db.schema
    .createIndex('campaigns_scheduled')
    .on('campaigns')
    .columns(['send_at'])
    .where(sql.ref('state'), '=', 'scheduled')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('campaigns_scheduled').execute();
  await db.schema.alterTable('campaigns').dropColumn('cancelled_messages').execute();
  await db.schema.alterTable('campaigns').dropColumn('send_at').execute();
}
