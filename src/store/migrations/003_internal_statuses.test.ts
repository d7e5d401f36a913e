import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { customerRow, integrationRow, messageRow, projectRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`messages take the internal statuses; direct-send receipts and nonces lose the made-up integration id (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('002_receipts_append_only');
  const db = store.db;
  // Written with the schema as it was then: the types name the tables as they are now.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { send_timeout_ms: _005, last_verified_at: _007a, last_verify_result: _007b, ...integration } = integrationRow('int_1', 'prj_1');
  await old.insertInto('integrations').values(integration).execute();
  await old.insertInto('customers').values(customerRow('cus_1', 'prj_1')).execute();
  const statuses: [string, string, string][] = [
    ['m1', 'sms', 'queued'],
    ['m2', 'sms', 'enqueued'],
    ['m3', 'sms', 'enqueue_failed'],
    ['m4', 'whatsapp', 'enqueued_failed'],
    ['m5', 'sms', 'delivered'],
  ];
  for (const [id, channel, status] of statuses) {
    // Without the columns later migrations add.
    const { idempotency_fingerprint: _004, possible_duplicate: _005a, request_started_at: _005b, unconfirmed_since: _005c, fallback_of: _015a, fallback_plan: _015b, fallback_skipped: _015c, fallback_message_id: _015d, ...row } = messageRow(id);
    await old.insertInto('messages').values({ ...row, in_flight_at_crash: 0, channel, status }).execute();
  }
  const receipt = (integration_id: string, source: string, body: string) => ({
    project_id: 'prj_1', source, integration_id, route: 'r', query: '', content_type: null, body: Buffer.from(body), body_hash: body, received_at: 1, processed_at: null, defer_until: null, outcome: null,
  });
  await old.insertInto('receipts').values([receipt('int_1', 'webhook', 'a'), receipt('ingest:prj_1', 'ingest_sinch', 'b')]).execute();
  await old.insertInto('webhook_nonces').values([
    { integration_id: 'int_1', nonce: 'n1', expires_at: 5 },
    { integration_id: 'ingest:prj_1', nonce: 'n2', expires_at: 6 },
  ]).execute();

  await migrate(db);
  const messages = await db.selectFrom('messages').select(['id', 'status']).orderBy('id').execute();
  assert.deepEqual(messages.map((m) => [m.id, m.status]), [
    ['m1', 'pending'],
    ['m2', 'accepted'],
    ['m3', 'refused'],
    ['m4', 'refused'],
    ['m5', 'delivered'],
  ]);
  const receipts = await db.selectFrom('callbacks').select(['source', 'integration_id']).orderBy('id').execute();
  assert.deepEqual(receipts, [
    { source: 'webhook', integration_id: 'int_1' },
    { source: 'ingest_sinch', integration_id: null },
  ]);
  const nonces = await db.selectFrom('signed_nonces').selectAll().orderBy('nonce').execute();
  assert.deepEqual(nonces, [
    { source: 'webhook', signer_id: 'int_1', nonce: 'n1', expires_at: 5 },
    { source: 'ingest_sinch', signer_id: 'prj_1', nonce: 'n2', expires_at: 6 },
  ]);
  assert.ok(!(await db.introspection.getTables()).some((t) => t.name === 'webhook_nonces'));
  await store.close();
});
