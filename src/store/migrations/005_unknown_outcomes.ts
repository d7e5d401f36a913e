import type { Kysely } from 'kysely';

// A send whose answer never came (a timeout, a lost connection, a crash) may have reached the
// provider. The messages table records when each request was about to be written
// (`request_started_at`, cleared by its outcome) and since when an earlier attempt's outcome is
// unknown (`unconfirmed_since`, cleared when the provider is known to have the message), so
// that a restart or a retry can tell "may have left" from "never left", and a later report can
// prove acceptance. `possible_duplicate` (was `in_flight_at_crash`) is now set only when a
// second request went out while an earlier one was unconfirmed. Integrations get their own
// send timeout.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').renameColumn('in_flight_at_crash', 'possible_duplicate').execute();
  await db.schema.alterTable('messages').addColumn('request_started_at', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('unconfirmed_since', 'bigint').execute();
  await db.schema.alterTable('integrations').addColumn('send_timeout_ms', 'integer', (c) => c.notNull().defaultTo(15_000)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('integrations').dropColumn('send_timeout_ms').execute();
  await db.schema.alterTable('messages').dropColumn('unconfirmed_since').execute();
  await db.schema.alterTable('messages').dropColumn('request_started_at').execute();
  await db.schema.alterTable('messages').renameColumn('possible_duplicate', 'in_flight_at_crash').execute();
}
