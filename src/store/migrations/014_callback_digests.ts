import { sql, type Kysely } from 'kysely';

// A callback's content is unique per source in the store itself, not only in one process's memory
// of recent digests: several hub processes share a PostgreSQL store, and a provider's retry may
// reach another process than the first try (or come after a restart, or after the memory moved
// on). The key is what the writer already stores: the integration (webhooks) or the project
// (direct-send ingest) and the hash of endpoint, query and body. Inserts skip a repeat with
// ON CONFLICT DO NOTHING. Repeats stored before this migration (older than the memory window)
// are removed first, the earliest of each kept: processing applied each status once anyway.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from callbacks where id in (
      select id from (
        select id, row_number() over (
          partition by source, case when source = 'webhook' then integration_id else project_id end, body_hash order by id
        ) as n from callbacks
      ) ranked where n > 1
    )`.execute(db);
  await db.schema
    .createIndex('callbacks_webhook_digest')
    .unique()
    .on('callbacks')
    .columns(['integration_id', 'body_hash'])
    .where(sql.ref('source'), '=', 'webhook')
    .execute();
  await db.schema
    .createIndex('callbacks_ingest_digest')
    .unique()
    .on('callbacks')
    .columns(['source', 'project_id', 'body_hash'])
    .where(sql.ref('source'), '!=', 'webhook')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('callbacks_ingest_digest').execute();
  await db.schema.dropIndex('callbacks_webhook_digest').execute();
}
