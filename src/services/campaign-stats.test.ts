import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as campaignStore from '../store/campaigns.js';
import { campaignRow, messageRow, projectRow, seedMessages } from '../store/fixtures.js';
import * as projectStore from '../store/projects.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { campaignStats } from './campaign-stats.js';

let store: TestStore;
before(async () => (store = await openTestStore()));
after(() => store.close());

test('campaign stats count messages in the API vocabulary, not the store\'s', async () => {
  await projectStore.insert(store.db, projectRow('prj_1'));
  for (const [id, channel] of [['cmp_sms', 'sms'], ['cmp_wa', 'whatsapp']] as const) {
    await campaignStore.insert(store.db, campaignRow(id, 'prj_1', { channel, state: 'launched' }));
  }
  await seedMessages(store.db, [
    messageRow('m1', { campaign_id: 'cmp_sms', customer_ref: 'c1', status: 'pending' }),
    messageRow('m2', { campaign_id: 'cmp_sms', customer_ref: 'c2', status: 'accepted' }),
    messageRow('m3', { campaign_id: 'cmp_sms', customer_ref: 'c3', status: 'refused' }),
    messageRow('m4', { campaign_id: 'cmp_sms', customer_ref: 'c4', status: 'delivered' }),
    messageRow('m5', { campaign_id: 'cmp_wa', customer_ref: 'c1', channel: 'whatsapp', status: 'refused' }),
    messageRow('m6', { campaign_id: 'cmp_wa', customer_ref: 'c2', channel: 'whatsapp', status: 'read' }),
  ]);
  const sms = await campaignStats(store.db, 'prj_1', 'cmp_sms');
  assert.deepEqual(sms.current_status, { queued: 1, enqueued: 1, enqueue_failed: 1, delivered: 1 });
  assert.equal(sms.messages, 4);
  const wa = await campaignStats(store.db, 'prj_1', 'cmp_wa');
  assert.deepEqual(wa.current_status, { enqueued_failed: 1, read: 1 });
});
