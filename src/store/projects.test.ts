import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as projectStore from './projects.js';
import { projectRow as project } from './fixtures.js';
import { inTransaction, openDatabase } from './db.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`project store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    for (const id of ['prj_b', 'prj_a', 'prj_c']) await projectStore.insert(store.db, project(id));
  });
  after(() => store.close());

  test('a row round-trips, nulls and settings included', async () => {
    const row = project('prj_round', { default_sms_integration_id: 'int_1', ingest_signing_secret: 'sealed', settings: '{"link_tracking":true}' });
    await projectStore.insert(store.db, row);
    assert.deepEqual(await projectStore.find(store.db, 'prj_round'), row);
    assert.equal(await projectStore.find(store.db, 'prj_missing'), undefined);
  });

  test('a second project with the same id or app key is refused', async () => {
    await assert.rejects(projectStore.insert(store.db, project('prj_a', { app_key: 'ak_other' })));
    await assert.rejects(projectStore.insert(store.db, project('prj_dup', { app_key: 'ak_prj_a' })));
    assert.equal(await projectStore.find(store.db, 'prj_dup'), undefined);
  });

  // After the round-trip test, which adds prj_round.
  const listCases: { name: string; ids: string[] | undefined; want: string[] }[] = [
    { name: 'all, in id order', ids: undefined, want: ['prj_a', 'prj_b', 'prj_c', 'prj_round'] },
    { name: 'only those asked for, in id order', ids: ['prj_c', 'prj_a', 'prj_nope'], want: ['prj_a', 'prj_c'] },
    { name: 'none for an empty list', ids: [], want: [] },
  ];
  for (const c of listCases) {
    test(`list: ${c.name}`, async () => {
      const rows = await projectStore.list(store.db, c.ids);
      assert.deepEqual(rows.map((r) => r.id), c.want);
    });
  }

  const updateCases: { name: string; patch: projectStore.ProjectPatch }[] = [
    { name: 'renames', patch: { name: 'Renamed', updated_at: 2000 } },
    { name: 'sets and clears default integrations', patch: { default_sms_integration_id: 'int_s', default_rcs_integration_id: null, updated_at: 2001 } },
    { name: 'replaces settings and the signing secret', patch: { settings: '{"event_names":{"sms":"SMS"}}', ingest_signing_secret: 'sealed2', updated_at: 2002 } },
    { name: 'rotates the app key', patch: { app_key: 'ak_rotated', updated_at: 2003 } },
  ];
  for (const c of updateCases) {
    test(`update ${c.name}, leaving other columns and projects alone`, async () => {
      const before = (await projectStore.find(store.db, 'prj_b'))!;
      const other = await projectStore.find(store.db, 'prj_c');
      assert.equal(await projectStore.update(store.db, 'prj_b', c.patch), true);
      assert.deepEqual(await projectStore.find(store.db, 'prj_b'), { ...before, ...c.patch });
      assert.deepEqual(await projectStore.find(store.db, 'prj_c'), other);
    });
  }

  test('update of a missing project changes nothing and says so', async () => {
    assert.equal(await projectStore.update(store.db, 'prj_missing', { name: 'x', updated_at: 1 }), false);
    assert.equal(await projectStore.find(store.db, 'prj_missing'), undefined);
  });

  test('update to an app key another project holds is refused', async () => {
    await assert.rejects(projectStore.update(store.db, 'prj_c', { app_key: 'ak_prj_a' }));
  });

  // Last: it adds a project the list cases above do not expect.
  test('a recent read is reused for a second; a change through this store is seen at once, one through another within that second', async () => {
    await projectStore.insert(store.db, project('prj_recent', { settings: '{"v":1}' }));
    const t0 = Date.now();
    assert.equal((await projectStore.findRecent(store.db, 'prj_recent', t0))?.settings, '{"v":1}');
    // Another process (another handle on the same database) changes it: not seen until the second is up.
    const other = openDatabase(store.url);
    try {
      await other.updateTable('projects').set({ settings: '{"v":2}' }).where('id', '=', 'prj_recent').execute();
      assert.equal((await projectStore.findRecent(store.db, 'prj_recent', t0 + 999))?.settings, '{"v":1}');
      assert.equal((await projectStore.findRecent(store.db, 'prj_recent', t0 + 1000))?.settings, '{"v":2}');
    } finally {
      await other.destroy();
    }
    // A change through this store, in a transaction as the services make them: seen at once.
    await inTransaction(store.db, (trx) => projectStore.update(trx, 'prj_recent', { settings: '{"v":3}' }));
    assert.equal((await projectStore.findRecent(store.db, 'prj_recent', t0 + 1001))?.settings, '{"v":3}');
    assert.equal(await projectStore.findRecent(store.db, 'prj_nowhere'), undefined);
  });
});
