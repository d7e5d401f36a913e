import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageRow, projectRow } from './fixtures.js';
import * as messageStore from './messages.js';
import * as projectStore from './projects.js';
import { storeBackends } from './testing.js';

for (const backend of await storeBackends()) test(`repoint moves only claimed messages that never left, and only while the claim holds (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open();
  const db = store.db;
  await projectStore.insert(db, projectRow('prj_1'));
  const claimed = { dispatch_state: 'sending' as const, claimed_by: 'w1', sender: '+15550001', sender_profile_id: 'sp_1' };
  await messageStore.insert(db, messageRow('msg_1', claimed));
  await messageStore.insert(db, messageRow('msg_2', { ...claimed, attempts: 1, next_attempt_at: 500 }));
  // A request started: it may have reached the provider.
  await messageStore.insert(db, messageRow('msg_3', { ...claimed, request_started_at: 900 }));
  // An earlier attempt went unanswered.
  await messageStore.insert(db, messageRow('msg_4', { ...claimed, unconfirmed_since: 800 }));
  // Another worker's claim.
  await messageStore.insert(db, messageRow('msg_5', { ...claimed, claimed_by: 'w2' }));
  // Queued, not claimed.
  await messageStore.insert(db, messageRow('msg_6', { sender: '+15550001' }));
  // Another integration's.
  await messageStore.insert(db, messageRow('msg_7', { ...claimed, integration_id: 'int_3' }));

  const moved = await messageStore.repoint(db, {
    ids: ['msg_1', 'msg_2', 'msg_3', 'msg_4', 'msg_5', 'msg_6', 'msg_7'],
    from: 'int_1',
    to: 'int_2',
    sender: null,
    senderProfileId: null,
    worker: 'w1',
    now: 2000,
  });
  assert.deepEqual(moved.sort(), ['msg_1', 'msg_2']);
  const rows = await messageStore.listByIds(db, ['msg_1', 'msg_2', 'msg_3', 'msg_4', 'msg_5', 'msg_6', 'msg_7']);
  const view = Object.fromEntries(rows.map((m) => [m.id, [m.integration_id, m.dispatch_state, m.claimed_by, m.sender, m.sender_profile_id, Number(m.next_attempt_at), m.attempts]]));
  assert.deepEqual(view['msg_1'], ['int_2', 'queued', null, null, null, 1000, 0]);
  // A retry keeps when it is due and its attempts.
  assert.deepEqual(view['msg_2'], ['int_2', 'queued', null, null, null, 500, 1]);
  for (const id of ['msg_3', 'msg_4', 'msg_5']) assert.deepEqual(view[id]!.slice(0, 3), ['int_1', 'sending', id === 'msg_5' ? 'w2' : 'w1'], id);
  assert.deepEqual(view['msg_6']!.slice(0, 2), ['int_1', 'queued']);
  assert.equal(view['msg_7']![0], 'int_3');
  await store.close();
});
