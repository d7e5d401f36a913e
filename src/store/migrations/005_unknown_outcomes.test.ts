import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { customerRow, integrationRow, messageRow, projectRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`in_flight_at_crash becomes possible_duplicate with its values; integrations get the default send timeout (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('004_idempotency_fingerprint');
  const db = store.db;
  // Written with the schema as it was then.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { send_timeout_ms: _005, last_verified_at: _007a, last_verify_result: _007b, ...integration } = integrationRow('int_1', 'prj_1');
  await old.insertInto('integrations').values(integration).execute();
  await old.insertInto('customers').values(customerRow('cus_1', 'prj_1')).execute();
  for (const [id, flag] of [['m1', 1], ['m2', 0]] as const) {
    const { possible_duplicate: _a, request_started_at: _b, unconfirmed_since: _c, fallback_of: _015a, fallback_plan: _015b, fallback_skipped: _015c, fallback_message_id: _015d, ...row } = messageRow(id);
    await old.insertInto('messages').values({ ...row, in_flight_at_crash: flag }).execute();
  }

  await migrate(db);
  const messages = await db.selectFrom('messages').select(['id', 'possible_duplicate', 'request_started_at', 'unconfirmed_since']).orderBy('id').execute();
  assert.deepEqual(messages, [
    { id: 'm1', possible_duplicate: 1, request_started_at: null, unconfirmed_since: null },
    { id: 'm2', possible_duplicate: 0, request_started_at: null, unconfirmed_since: null },
  ]);
  const integrations = await db.selectFrom('integrations').select(['id', 'send_timeout_ms']).execute();
  assert.deepEqual(integrations, [{ id: 'int_1', send_timeout_ms: 15_000 }]);
  await store.close();
});
