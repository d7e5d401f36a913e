import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { campaignRow, messageRow, projectRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`campaigns stored before it have no fallback; a campaign reaches a customer once per channel (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('015_message_fallback');
  const db = store.db;
  // Written with the schema as it was then.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { fallback_channels: _a, fallback_body: _b, ...campaign } = campaignRow('cmp_1', 'prj_1');
  await old.insertInto('campaigns').values(campaign).execute();
  const first = messageRow('msg_1', { campaign_id: 'cmp_1', customer_ref: 'cus_1', channel: 'whatsapp' });
  await old.insertInto('messages').values(first).execute();

  await migrate(db);
  assert.deepEqual(await db.selectFrom('campaigns').select(['id', 'fallback_channels', 'fallback_body']).execute(), [{ id: 'cmp_1', fallback_channels: null, fallback_body: null }]);
  // Another message of the campaign to the customer on the same channel is still refused…
  await assert.rejects(db.insertInto('messages').values(messageRow('msg_2', { campaign_id: 'cmp_1', customer_ref: 'cus_1', channel: 'whatsapp' })).execute());
  // …on another channel (a fallback) it is not.
  await db.insertInto('messages').values(messageRow('msg_3', { campaign_id: 'cmp_1', customer_ref: 'cus_1', channel: 'sms', fallback_of: 'msg_1' })).execute();
  await store.close();
});
