import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Receipts are deduplicated by content in the receipt writer (a window of recent digests, see
// recent-digests.ts), not by a unique index on (integration_id, body_hash): every insert into
// such an index lands on a random page, which makes it most of what each commit writes (see
// bench/ANALYSIS.md). Pending receipts get a partial index, which a receipt leaves when it is
// processed instead of moving within it.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    await sql`alter table receipts drop constraint receipts_dedup`.execute(db);
  } else {
    // SQLite can't drop a table constraint: the table is rebuilt without it, rows and ids kept.
    await db.schema
      .createTable('receipts_rebuilt')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('webhook'))
      .addColumn('integration_id', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('query', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('content_type', 'text')
      .addColumn('body', 'blob', (c) => c.notNull())
      .addColumn('body_hash', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('processed_at', 'bigint')
      .addColumn('defer_until', 'bigint')
      .addColumn('outcome', 'text')
      .execute();
    await sql`insert into receipts_rebuilt select id, project_id, source, integration_id, route, query, content_type, body, body_hash, received_at, processed_at, defer_until, outcome from receipts`.execute(db);
    await db.schema.dropTable('receipts').execute();
    await sql`alter table receipts_rebuilt rename to receipts`.execute(db);
  }
  await db.schema.dropIndex('receipts_pending').ifExists().execute();
  await db.schema.createIndex('receipts_pending').on('receipts').column('id').where(sql.ref('processed_at'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('receipts_pending').execute();
  await db.schema.createIndex('receipts_pending').on('receipts').columns(['processed_at', 'id']).execute();
  await db.schema.createIndex('receipts_dedup').on('receipts').columns(['integration_id', 'body_hash']).execute();
}
