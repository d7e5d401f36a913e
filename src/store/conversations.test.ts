import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Channel } from '../core/status.js';
import { eventRow, messageRow, seedEvents, seedMessages } from './fixtures.js';
import * as conversationStore from './conversations.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`conversation store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await seedMessages(store.db, [
      messageRow('msg_01', { channel: 'sms' }),
      messageRow('msg_02', { channel: 'mms', media: '["https://x/y.png"]' }),
      messageRow('msg_03', { channel: 'whatsapp', content: '{"text":"hi"}', status: 'delivered', dispatch_state: 'done', sent_at_us: 1_234_000 }),
      messageRow('msg_04', { channel: 'sms', dispatch_state: 'cancelled', auto_reply: 1 }),
      messageRow('msg_05', { channel: 'sms', customer_ref: 'cus_2' }),
    ]);
    await seedEvents(store.db, [
      eventRow({ status: 'incoming_message', timestamp: 100, properties: '{"channel":"sms","message":"one"}' }),
      eventRow({ status: 'delivered', timestamp: 150, message_id: 'msg_01' }),
      eventRow({ status: 'incoming_message', timestamp: 200, properties: '{"channel":"whatsapp","message":"two"}' }),
      eventRow({ status: 'incoming_message', timestamp: 300, properties: '{"channel":"sms","message":"three"}' }),
      eventRow({ customer_ref: 'cus_2', status: 'incoming_message', timestamp: 400, properties: '{"message":"elsewhere"}' }),
    ]);
  });
  after(() => store.close());

  const outbound: { name: string; ref: string; channels?: Channel[]; limit: number; want: string[] }[] = [
    { name: "the customer's messages, newest first", ref: 'cus_1', limit: 10, want: ['msg_04', 'msg_03', 'msg_02', 'msg_01'] },
    { name: 'the newest up to the limit', ref: 'cus_1', limit: 2, want: ['msg_04', 'msg_03'] },
    { name: 'only on the channels asked for', ref: 'cus_1', channels: ['sms', 'mms'], limit: 10, want: ['msg_04', 'msg_02', 'msg_01'] },
    { name: 'the limit applies after the channel filter', ref: 'cus_1', channels: ['sms', 'mms'], limit: 2, want: ['msg_04', 'msg_02'] },
    { name: 'none on a channel never used', ref: 'cus_1', channels: ['rcs'], limit: 10, want: [] },
    { name: "another customer's", ref: 'cus_2', limit: 10, want: ['msg_05'] },
    { name: 'none for an unknown customer', ref: 'cus_nope', limit: 10, want: [] },
  ];
  for (const c of outbound) {
    test(`listOutbound: ${c.name}`, async () => {
      const rows = await conversationStore.listOutbound(store.db, c.ref, c.channels, c.limit);
      assert.deepEqual(rows.map((r) => r.id), c.want);
    });
  }

  test('listOutbound: what a conversation shows of a message', async () => {
    const [m] = await conversationStore.listOutbound(store.db, 'cus_1', ['whatsapp'], 1);
    assert.deepEqual(m, {
      id: 'msg_03',
      channel: 'whatsapp',
      body: 'Body of msg_03',
      content: '{"text":"hi"}',
      status: 'delivered',
      dispatch_state: 'done',
      auto_reply: 0,
      created_at: 1000,
      sent_at_us: 1_234_000,
    });
  });

  const inbound: { name: string; ref: string; limit: number; want: number[] }[] = [
    { name: 'incoming messages only, newest first, every channel', ref: 'cus_1', limit: 10, want: [300, 200, 100] },
    { name: 'the newest up to the limit', ref: 'cus_1', limit: 1, want: [300] },
    { name: "another customer's", ref: 'cus_2', limit: 10, want: [400] },
    { name: 'none for an unknown customer', ref: 'cus_nope', limit: 10, want: [] },
  ];
  for (const c of inbound) {
    test(`listInbound: ${c.name}`, async () => {
      const rows = await conversationStore.listInbound(store.db, c.ref, c.limit);
      assert.deepEqual(rows.map((r) => r.timestamp), c.want);
    });
  }

  test('listInbound: the properties come back as stored', async () => {
    assert.deepEqual(await conversationStore.listInbound(store.db, 'cus_2', 1), [{ timestamp: 400, properties: '{"message":"elsewhere"}' }]);
  });
});
