import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { campaignRow, projectRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`campaigns stored before it are unscheduled and have cancelled nothing (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('007_missing_variable_policy');
  const db = store.db;
  // Written with the schema as it was then.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { send_at: _a, cancelled_messages: _b, fallback_channels: _016a, fallback_body: _016b, ...campaign } = campaignRow('cmp_1', 'prj_1', { state: 'launched' });
  await old.insertInto('campaigns').values(campaign).execute();

  await migrate(db);
  const rows = await db.selectFrom('campaigns').select(['id', 'state', 'send_at', 'cancelled_messages']).execute();
  assert.deepEqual(rows, [{ id: 'cmp_1', state: 'launched', send_at: null, cancelled_messages: null }]);
  await store.close();
});
