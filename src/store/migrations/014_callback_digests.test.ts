import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import * as callbackStore from '../callbacks.js';
import { callbackRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`repeats stored before 014 are removed, the earliest of each kept, and a repeat is refused after (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('013_postgres_date_parse');
  const db = store.db;
  const rows = [
    callbackRow({ body_hash: 'same', integration_id: 'int_1', received_at: 1 }),
    callbackRow({ body_hash: 'same', integration_id: 'int_1', received_at: 2 }),
    callbackRow({ body_hash: 'same', integration_id: 'int_2', received_at: 3 }),
    callbackRow({ body_hash: 'same', source: 'ingest_sinch', integration_id: null, project_id: 'prj_1', received_at: 4 }),
    callbackRow({ body_hash: 'same', source: 'ingest_sinch', integration_id: null, project_id: 'prj_1', received_at: 5 }),
    callbackRow({ body_hash: 'other', integration_id: 'int_1', received_at: 6 }),
  ];
  for (const r of rows) await callbackStore.insert(db, r);

  await migrate(db);
  const left = await db.selectFrom('callbacks').select(['received_at']).orderBy('id').execute();
  assert.deepEqual(left.map((r) => Number(r.received_at)), [1, 3, 4, 6]);
  assert.equal(await callbackStore.insertUnlessStored(db, rows[1]!), null);
  assert.equal(await callbackStore.insertUnlessStored(db, rows[4]!), null);
  await store.close();
});
