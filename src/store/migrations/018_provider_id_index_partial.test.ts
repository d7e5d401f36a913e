import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { inTransaction, isPostgres, migrate, type DB } from '../db.js';
import { messageRow } from '../fixtures.js';
import * as messageStore from '../messages.js';
import { storeBackends } from '../testing.js';

/** The plan of the report matcher's lookup, as text. */
async function lookupPlan(db: DB): Promise<string> {
  const query = sql`select * from messages where integration_id = ${'int_1'} and provider_message_id in (${'p1'}, ${'p2'})`;
  if (!isPostgres(db)) return (await sql<{ detail: string }>`explain query plan ${query}`.execute(db)).rows.map((r) => r.detail).join('\n');
  // A table this small is cheaper to scan: asked not to, the planner shows whether the index can serve.
  return inTransaction(db, async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    return (await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(trx)).rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

for (const backend of await storeBackends()) test(`the provider-id index holds only messages with a provider id, and still serves the report matcher (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('017_message_attempts');
  const db = store.db;
  await db.insertInto('messages').values([messageRow('msg_sent', { provider_message_id: 'p1' }), messageRow('msg_queued')]).execute();
  await migrate(db);
  const plan = await lookupPlan(db);
  assert.match(plan, /messages_provider_id/, plan);
  assert.deepEqual((await messageStore.listByProviderIds(db, 'int_1', ['p1', 'p2'])).map((m) => m.id), ['msg_sent']);
  // Written after the migration too.
  await db.insertInto('messages').values(messageRow('msg_later', { provider_message_id: 'p2' })).execute();
  assert.deepEqual((await messageStore.listByProviderIds(db, 'int_1', ['p1', 'p2'])).map((m) => m.id).sort(), ['msg_later', 'msg_sent']);
  await store.close();
});
