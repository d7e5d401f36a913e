import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../db.js';
import { campaignRow, projectRow } from '../fixtures.js';
import { storeBackends } from '../testing.js';

for (const backend of await storeBackends()) test(`each campaign's id array becomes rows of campaign_audience (repeats once) and its definition {kind: ids} (${backend.kind})`, { skip: backend.skip }, async () => {
  const store = await backend.open('007_missing_variable_policy');
  const db = store.db;
  const old = db as any;
  // Campaign rows as they were before 010 added its columns.
  const before010 = (...args: Parameters<typeof campaignRow>) => {
    const { send_at: _s, cancelled_messages: _c, fallback_channels: _016a, fallback_body: _016b, ...row } = campaignRow(...args);
    return row;
  };
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const many = Array.from({ length: 1201 }, (_, i) => `c${i}`);
  await old.insertInto('campaigns').values(before010('cmp_a', 'prj_1', { audience: '["x","y","x"]', audience_size: 2 })).execute();
  await old.insertInto('campaigns').values(before010('cmp_b', 'prj_1', { audience: JSON.stringify(many), audience_size: many.length, state: 'launching' })).execute();

  await migrate(db);
  const defs = await db.selectFrom('campaigns').select(['id', 'audience']).orderBy('id').execute();
  assert.deepEqual(defs, [{ id: 'cmp_a', audience: '{"kind":"ids"}' }, { id: 'cmp_b', audience: '{"kind":"ids"}' }]);
  const a = await db.selectFrom('campaign_audience').select('customer_id').where('campaign_id', '=', 'cmp_a').orderBy('customer_id').execute();
  assert.deepEqual(a.map((r) => r.customer_id), ['x', 'y']);
  const b = await db.selectFrom('campaign_audience').select((eb) => eb.fn.countAll<number>().as('n')).where('campaign_id', '=', 'cmp_b').executeTakeFirstOrThrow();
  assert.equal(Number(b.n), 1201);
  await store.close();
});
