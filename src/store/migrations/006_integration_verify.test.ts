import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { integrationRow, projectRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`integrations stored before it have never been verified (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('005_unknown_outcomes');
  const db = store.db;
  // Written with the schema as it was then.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { last_verified_at: _a, last_verify_result: _b, ...integration } = integrationRow('int_1', 'prj_1');
  await old.insertInto('integrations').values(integration).execute();

  await migrate(db);
  const rows = await db.selectFrom('integrations').select(['id', 'last_verified_at', 'last_verify_result']).execute();
  assert.deepEqual(rows, [{ id: 'int_1', last_verified_at: null, last_verify_result: null }]);
  await store.close();
});
