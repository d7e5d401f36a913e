import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { messageRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`messages stored before it have no fallback; a message can have one fallback only (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('013_postgres_date_parse');
  const db = store.db;
  // Written with the schema as it was then.
  const old = db as any;
  const { fallback_of: _a, fallback_plan: _b, fallback_skipped: _c, fallback_message_id: _d, ...row } = messageRow('msg_old');
  await old.insertInto('messages').values(row).execute();

  await migrate(db);
  const rows = await db.selectFrom('messages').select(['id', 'fallback_of', 'fallback_plan', 'fallback_skipped', 'fallback_message_id']).execute();
  assert.deepEqual(rows, [{ id: 'msg_old', fallback_of: null, fallback_plan: null, fallback_skipped: null, fallback_message_id: null }]);
  // The link is unique: a second fallback of the same message is refused by the database itself.
  await db.insertInto('messages').values(messageRow('msg_fb_1', { fallback_of: 'msg_old' })).execute();
  await assert.rejects(db.insertInto('messages').values(messageRow('msg_fb_2', { fallback_of: 'msg_old' })).execute());
  // Messages that fall back from nothing are not limited.
  await db.insertInto('messages').values([messageRow('msg_new_1'), messageRow('msg_new_2')]).execute();
  await store.close();
});
