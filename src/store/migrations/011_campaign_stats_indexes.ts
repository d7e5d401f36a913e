import type { Kysely } from 'kysely';

// The campaign funnel groups a campaign's events by message, and its time series reads them by
// status and time: both from an index alone, so a million-message campaign's stats need no sort
// and no table lookups. The (campaign_id, status, timestamp) index replaces (campaign_id, status),
// which is its prefix.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('events_campaign_message').on('events').columns(['campaign_id', 'message_id', 'status']).execute();
  await db.schema.createIndex('events_campaign_time').on('events').columns(['campaign_id', 'status', 'timestamp']).execute();
  await db.schema.dropIndex('events_campaign').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('events_campaign').on('events').columns(['campaign_id', 'status']).execute();
  await db.schema.dropIndex('events_campaign_time').execute();
  await db.schema.dropIndex('events_campaign_message').execute();
}
