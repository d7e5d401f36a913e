import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { messageRow, projectRow } from '../fixtures.js';
import * as attemptStore from '../message-attempts.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`messages stored before 017 have no attempts listed; attempts after it list in order (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('016_campaign_fallback');
  const db = store.db;
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  await old.insertInto('messages').values(messageRow('msg_1', { attempts: 2 })).execute();

  await migrate(db);
  assert.deepEqual(await attemptStore.listForMessage(db, 'msg_1'), []);
  await attemptStore.insertMany(db, [
    { message_id: 'msg_1', integration_id: 'int_1', at: 10, outcome: 'retry', status_code: 503, error: 'service_unavailable' },
    { message_id: 'msg_1', integration_id: 'int_1', at: 20, outcome: 'rerouted', status_code: null, error: 'circuit_open' },
    { message_id: 'msg_1', integration_id: 'int_2', at: 30, outcome: 'accepted', status_code: null, error: null },
  ]);
  const got = await attemptStore.listForMessage(db, 'msg_1');
  assert.deepEqual(
    got.map((a) => [a.integration_id, Number(a.at), a.outcome, a.status_code, a.error]),
    [
      ['int_1', 10, 'retry', 503, 'service_unavailable'],
      ['int_1', 20, 'rerouted', null, 'circuit_open'],
      ['int_2', 30, 'accepted', null, null],
    ],
  );
  await store.close();
});
