import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { messageRow, seedMessages } from '../store/fixtures.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { conversationOf } from './conversation.js';

let store: TestStore;
before(async () => (store = await openTestStore()));
after(() => store.close());

test('a conversation shows each outbound message in the API vocabulary, cancelled ones as cancelled', async () => {
  await seedMessages(store.db, [
    messageRow('m1', { status: 'pending', created_at: 1 }),
    messageRow('m2', { status: 'accepted', created_at: 2 }),
    messageRow('m3', { status: 'refused', created_at: 3 }),
    messageRow('m4', { status: 'pending', dispatch_state: 'cancelled', created_at: 4 }),
    messageRow('m5', { status: 'refused', channel: 'whatsapp', created_at: 5 }),
  ]);
  const entries = await conversationOf(store.db, 'cus_1', undefined, 10);
  assert.deepEqual(
    entries.map((e) => [e.message_id, e.status]),
    [
      ['m1', 'queued'],
      ['m2', 'enqueued'],
      ['m3', 'enqueue_failed'],
      ['m4', 'cancelled'],
      ['m5', 'enqueued_failed'],
    ],
  );
});
