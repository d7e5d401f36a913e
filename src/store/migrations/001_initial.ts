import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Written with the schema builder only, so the same migration runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The two places where the dialects differ in type names.
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = postgres ? 'bytea' : 'blob';
  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_sms_integration_id', 'text')
    .addColumn('default_whatsapp_integration_id', 'text')
    .addColumn('default_rcs_integration_id', 'text')
    .addColumn('app_key', 'text', (c) => c.notNull().unique())
    .addColumn('ingest_signing_secret', 'text')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('integrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('webhook_token', 'text', (c) => c.notNull())
    .addColumn('rate_limit', 'double precision')
    .addColumn('max_concurrency', 'integer', (c) => c.notNull())
    .addColumn('retry_deadline_seconds', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('integrations_project').on('integrations').columns(['project_id']).execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('country', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customers_project_customer_id', ['project_id', 'customer_id'])
    .execute();
  await db.schema.createIndex('customers_project_phone').on('customers').columns(['project_id', 'phone']).execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('media', 'text')
    .addColumn('sender_profile_id', 'text')
    .addColumn('integration_id', 'text')
    .addColumn('sender', 'text')
    .addColumn('track_links', 'integer')
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('audience_size', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('launch_summary', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('launched_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('campaigns_project').on('campaigns').columns(['project_id', 'id']).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('customer_ref', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('message_type', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('sender', 'text')
    .addColumn('sender_profile_id', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('media', 'text')
    .addColumn('parts', 'integer', (c) => c.notNull())
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dispatch_state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('in_flight_at_crash', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('provider_message_id', 'text')
    .addColumn('sent_at_us', 'bigint')
    .addColumn('expects_reports', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('auto_reply', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // The dispatcher's queue: due messages of one integration in FIFO order.
  await db.schema
    .createIndex('messages_queue')
    .on('messages')
    .columns(['integration_id', 'dispatch_state', 'next_attempt_at', 'id'])
    .execute();
  await db.schema.createIndex('messages_provider_id').on('messages').columns(['integration_id', 'provider_message_id']).execute();
  await db.schema.createIndex('messages_customer').on('messages').columns(['customer_ref', 'id']).execute();
  // A campaign reaches each customer once, even when its launch is resumed after a crash; the
  // same index serves the campaign's statistics.
  await db.schema
    .createIndex('messages_campaign_customer')
    .unique()
    .on('messages')
    .columns(['campaign_id', 'customer_ref'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('messages_idempotency')
    .unique()
    .on('messages')
    .columns(['project_id', 'idempotency_key'])
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('customer_ref', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('dedup_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_project').on('events').columns(['project_id', 'id']).execute();
  await db.schema.createIndex('events_customer').on('events').columns(['customer_ref', 'id']).execute();
  await db.schema.createIndex('events_message').on('events').columns(['message_id']).execute();
  // Campaign statistics count a campaign's events by status.
  await db.schema.createIndex('events_campaign').on('events').columns(['campaign_id', 'status']).execute();

  await db.schema
    .createTable('receipts')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('webhook'))
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('content_type', 'text')
    .addColumn('body', bytes, (c) => c.notNull())
    .addColumn('body_hash', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('defer_until', 'bigint')
    .addColumn('outcome', 'text')
    .addUniqueConstraint('receipts_dedup', ['integration_id', 'body_hash'])
    .execute();
  await db.schema.createIndex('receipts_pending').on('receipts').columns(['processed_at', 'id']).execute();

  await db.schema
    .createTable('sender_profiles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id'))
    .addColumn('sender', 'text')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sender_profiles_project').on('sender_profiles').columns(['project_id', 'channel']).execute();

  await db.schema
    .createTable('consents')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('customer_ref', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('opted_out', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_pk', ['customer_ref', 'channel'])
    .execute();
  await db.schema
    .createTable('consent_log')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('customer_ref', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_log_customer').on('consent_log').columns(['customer_ref', 'id']).execute();

  await db.schema
    .createTable('direct_deliveries')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('customer_ref', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('direct_deliveries_pk', ['project_id', 'batch_id', 'recipient'])
    .execute();
  await db.schema
    .createTable('ingest_rejections')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('client_reference', 'text')
    .addColumn('batch_id', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ingest_rejections_project').on('ingest_rejections').columns(['project_id', 'id']).execute();

  await db.schema
    .createTable('links')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('links_message').on('links').columns(['message_id']).execute();

  await db.schema
    .createTable('webhook_nonces')
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_nonces_pk', ['integration_id', 'nonce'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['links', 'ingest_rejections', 'direct_deliveries', 'consent_log', 'consents', 'sender_profiles', 'webhook_nonces', 'receipts', 'events', 'messages', 'campaigns', 'customers', 'integrations', 'api_keys', 'projects']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
