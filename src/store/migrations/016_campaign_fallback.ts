import { sql, type Kysely } from 'kysely';

// Channel fallback for campaigns (docs/fallback.md): a campaign keeps the fallback channels as
// given (`fallback_channels`, JSON; resolved to integrations at launch) and the text they send
// (`fallback_body`, a template like the body; null: the message's own text).
// A campaign reaches each customer with one message, and now possibly that message's fallbacks,
// each on another channel (a chain never repeats one): the unique index that makes a resumed
// launch skip customers it already reached becomes (campaign, customer, channel). Queries by
// campaign still use it by its prefix.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('campaigns').addColumn('fallback_channels', 'text').execute();
  await db.schema.alterTable('campaigns').addColumn('fallback_body', 'text').execute();
  await db.schema.dropIndex('messages_campaign_customer').execute();
  await db.schema
    .createIndex('messages_campaign_customer')
    .unique()
    .on('messages')
    .columns(['campaign_id', 'customer_ref', 'channel'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_campaign_customer').execute();
  await db.schema
    .createIndex('messages_campaign_customer')
    .unique()
    .on('messages')
    .columns(['campaign_id', 'customer_ref'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
  await db.schema.alterTable('campaigns').dropColumn('fallback_body').execute();
  await db.schema.alterTable('campaigns').dropColumn('fallback_channels').execute();
}
