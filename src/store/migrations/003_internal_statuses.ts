import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Messages keep their own status vocabulary; the event names (`enqueued`, `enqueue_failed`,
// `enqueued_failed`) are only what events say. `pending`: no provider has taken it yet;
// `accepted`: a provider took it; `refused`: none will (one state whatever the channel).
//
// Direct-send receipts belong to a project, not an integration: receipts and webhook nonces
// stop carrying the made-up integration id `ingest:<project id>`. A receipt's integration is
// null for them, and a nonce is scoped by its source and the id of whoever signed it.
//
// The table was called `receipts`, but it holds every call a provider makes to the hub (delivery
// reports, inbound messages, opt-out notices): it becomes `callbacks`, and a callback's `route`
// becomes `endpoint`, the name of the integration's webhook URL it came to.
const STATUS_RENAMES: [string, string][] = [
  ['queued', 'pending'],
  ['enqueued', 'accepted'],
  ['enqueue_failed', 'refused'],
  ['enqueued_failed', 'refused'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const [from, to] of STATUS_RENAMES) await sql`update messages set status = ${to} where status = ${from}`.execute(db);

  if (postgres) {
    await sql`alter table receipts alter column integration_id drop not null`.execute(db);
    await sql`alter table receipts rename column route to endpoint`.execute(db);
    await sql`alter table receipts rename to callbacks`.execute(db);
    await sql`alter index receipts_pending rename to callbacks_pending`.execute(db);
  } else {
    // SQLite can't relax NOT NULL in place: rebuild, rows and ids kept.
    await db.schema
      .createTable('callbacks')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('webhook'))
      .addColumn('integration_id', 'text')
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('query', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('content_type', 'text')
      .addColumn('body', 'blob', (c) => c.notNull())
      .addColumn('body_hash', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('processed_at', 'bigint')
      .addColumn('defer_until', 'bigint')
      .addColumn('outcome', 'text')
      .execute();
    await sql`insert into callbacks (id, project_id, source, integration_id, endpoint, query, content_type, body, body_hash, received_at, processed_at, defer_until, outcome)
      select id, project_id, source, integration_id, route, query, content_type, body, body_hash, received_at, processed_at, defer_until, outcome from receipts`.execute(db);
    await db.schema.dropTable('receipts').execute();
    await db.schema.createIndex('callbacks_pending').on('callbacks').column('id').where(sql.ref('processed_at'), 'is', null).execute();
  }
  await sql`update callbacks set integration_id = null where source = 'ingest_sinch'`.execute(db);

  await db.schema
    .createTable('signed_nonces')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('signer_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('signed_nonces_pk', ['source', 'signer_id', 'nonce'])
    .execute();
  await sql`insert into signed_nonces (source, signer_id, nonce, expires_at)
    select case when integration_id like 'ingest:%' then 'ingest_sinch' else 'webhook' end,
           case when integration_id like 'ingest:%' then substr(integration_id, 8) else integration_id end,
           nonce, expires_at
    from webhook_nonces`.execute(db);
  await db.schema.dropTable('webhook_nonces').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_nonces')
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_nonces_pk', ['integration_id', 'nonce'])
    .execute();
  await sql`insert into webhook_nonces (integration_id, nonce, expires_at)
    select case when source = 'ingest_sinch' then 'ingest:' || signer_id else signer_id end, nonce, expires_at from signed_nonces`.execute(db);
  await db.schema.dropTable('signed_nonces').execute();
  await sql`update callbacks set integration_id = 'ingest:' || project_id where integration_id is null`.execute(db);
  await sql`alter table callbacks rename column endpoint to route`.execute(db);
  await sql`alter table callbacks rename to receipts`.execute(db);
  for (const [to, from] of [['queued', 'pending'], ['enqueued', 'accepted']]) await sql`update messages set status = ${to} where status = ${from}`.execute(db);
  await sql`update messages set status = case when channel in ('whatsapp', 'rcs') then 'enqueued_failed' else 'enqueue_failed' end where status = 'refused'`.execute(db);
}
