import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as apiKeyStore from './api-keys.js';
import * as projectStore from './projects.js';
import type { ApiKeysTable } from './schema.js';
import { storeBackends, type TestStore } from './testing.js';

function key(id: string, projectId: string, over: Partial<ApiKeysTable> = {}): ApiKeysTable {
  return { id, project_id: projectId, name: `key ${id}`, key_hash: `hash_${id}`, created_at: 1000, revoked_at: null, ...over };
}

for (const backend of await storeBackends()) describe(`api key store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    for (const id of ['prj_1', 'prj_2']) {
      await projectStore.insert(store.db, { id, name: id, default_sms_integration_id: null, default_whatsapp_integration_id: null, default_rcs_integration_id: null, app_key: `ak_${id}`, ingest_signing_secret: null, settings: '{}', created_at: 1, updated_at: 1 });
    }
    await apiKeyStore.insert(store.db, key('key_b', 'prj_1'));
    await apiKeyStore.insert(store.db, key('key_a', 'prj_1', { created_at: 2000 }));
    await apiKeyStore.insert(store.db, key('key_old', 'prj_1', { revoked_at: 1500 }));
    await apiKeyStore.insert(store.db, key('key_other', 'prj_2'));
  });
  after(() => store.close());

  const lookups: { name: string; hash: string; want: { id: string; project_id: string } | undefined }[] = [
    { name: 'a live key is found by its hash', hash: 'hash_key_a', want: { id: 'key_a', project_id: 'prj_1' } },
    { name: "another project's key names its project", hash: 'hash_key_other', want: { id: 'key_other', project_id: 'prj_2' } },
    { name: 'a revoked key is not found', hash: 'hash_key_old', want: undefined },
    { name: 'an unknown hash is not found', hash: 'hash_nope', want: undefined },
  ];
  for (const c of lookups) {
    test(`findActiveByHash: ${c.name}`, async () => {
      assert.deepEqual(await apiKeyStore.findActiveByHash(store.db, c.hash), c.want);
    });
  }

  test("list: a project's keys in id order, revoked included, without hashes", async () => {
    assert.deepEqual(await apiKeyStore.list(store.db, 'prj_1'), [
      { id: 'key_a', name: 'key key_a', created_at: 2000, revoked_at: null },
      { id: 'key_b', name: 'key key_b', created_at: 1000, revoked_at: null },
      { id: 'key_old', name: 'key key_old', created_at: 1000, revoked_at: 1500 },
    ]);
    assert.deepEqual(await apiKeyStore.list(store.db, 'prj_none'), []);
  });

  test('a key whose hash is taken is refused', async () => {
    await assert.rejects(apiKeyStore.insert(store.db, key('key_clash', 'prj_2', { key_hash: 'hash_key_a' })));
  });

  const revokes: { name: string; project: string; id: string; want: boolean }[] = [
    { name: "another project's key is left alone", project: 'prj_2', id: 'key_b', want: false },
    { name: 'a live key is revoked', project: 'prj_1', id: 'key_b', want: true },
    { name: 'a key is revoked once', project: 'prj_1', id: 'key_b', want: false },
    { name: 'an unknown key is not revoked', project: 'prj_1', id: 'key_nope', want: false },
  ];
  for (const c of revokes) {
    test(`revoke: ${c.name}`, async () => {
      assert.equal(await apiKeyStore.revoke(store.db, c.project, c.id, 3000), c.want);
    });
  }

  test('a revoked key keeps its first revocation time and no longer authenticates', async () => {
    const b = (await apiKeyStore.list(store.db, 'prj_1')).find((k) => k.id === 'key_b');
    assert.equal(b?.revoked_at, 3000);
    await apiKeyStore.revoke(store.db, 'prj_1', 'key_b', 4000);
    assert.equal((await apiKeyStore.list(store.db, 'prj_1')).find((k) => k.id === 'key_b')?.revoked_at, 3000);
    assert.equal(await apiKeyStore.findActiveByHash(store.db, 'hash_key_b'), undefined);
  });
});
