import type { Kysely } from 'kysely';

// The last credentials check of each integration (POST …/integrations/{iid}/verify): when it ran
// and what it found, as the JSON the API answered (`ok`, `reason`, `message`, `details`; never a
// secret). Null until the first check.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('integrations').addColumn('last_verified_at', 'bigint').execute();
  await db.schema.alterTable('integrations').addColumn('last_verify_result', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('integrations').dropColumn('last_verify_result').execute();
  await db.schema.alterTable('integrations').dropColumn('last_verified_at').execute();
}
