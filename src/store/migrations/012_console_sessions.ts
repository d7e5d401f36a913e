import type { Kysely } from 'kysely';

// Browser sessions of the admin console: the cookie carries a random token, only its hash is
// stored. A session names the key it was opened with, so revoking the key ends the session.
// Times are epoch ms: bigint (PostgreSQL's integer is 32 bits; SQLite stores either alike, so
// stores migrated when this said integer are the same).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text')
    .addColumn('key_id', 'text')
    .addColumn('admin_token_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('console_sessions').execute();
}
