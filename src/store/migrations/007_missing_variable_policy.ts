import { sql, type Kysely } from 'kysely';

// What a campaign does for a recipient whose profile lacks a variable its template outputs:
// `default` renders it empty (or its `default` filter), `skip` leaves the recipient out.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('campaigns').addColumn('missing_variable_policy', 'text', (c) => c.notNull().defaultTo(sql`'default'`)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('missing_variable_policy').execute();
}
