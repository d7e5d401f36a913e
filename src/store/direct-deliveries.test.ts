import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as directDeliveryStore from './direct-deliveries.js';
import { directDeliveryRow } from './fixtures.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`direct delivery store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    const rows = [
      directDeliveryRow('b1', '+12025550101', { status: 'sent' }),
      directDeliveryRow('b1', '+12025550102', { status: 'delivered', category: 'otp' }),
      directDeliveryRow('b2', '+12025550101', { status: 'failed' }),
      directDeliveryRow('b1', '+12025550101', { project_id: 'prj_2', status: 'read' }),
    ];
    for (const r of rows) await directDeliveryStore.upsert(store.db, r);
  });
  after(() => store.close());

  const finds: { name: string; key: directDeliveryStore.DirectDeliveryKey; want: string | undefined }[] = [
    { name: 'a (batch, recipient)', key: { project_id: 'prj_1', batch_id: 'b1', recipient: '+12025550101' }, want: 'sent' },
    { name: 'another recipient of the batch', key: { project_id: 'prj_1', batch_id: 'b1', recipient: '+12025550102' }, want: 'delivered' },
    { name: 'the recipient in another batch', key: { project_id: 'prj_1', batch_id: 'b2', recipient: '+12025550101' }, want: 'failed' },
    { name: 'the same batch and recipient in another project', key: { project_id: 'prj_2', batch_id: 'b1', recipient: '+12025550101' }, want: 'read' },
    { name: 'an unknown recipient', key: { project_id: 'prj_1', batch_id: 'b1', recipient: '+12025550199' }, want: undefined },
    { name: 'an unknown batch', key: { project_id: 'prj_1', batch_id: 'b9', recipient: '+12025550101' }, want: undefined },
    { name: 'an unknown project', key: { project_id: 'prj_9', batch_id: 'b1', recipient: '+12025550101' }, want: undefined },
  ];
  for (const c of finds) {
    test(`findStatus: ${c.name}`, async () => {
      assert.equal(await directDeliveryStore.findStatus(store.db, c.key), c.want);
    });
  }

  test('a second upsert of a (batch, recipient) updates its status, one row still', async () => {
    const key = { project_id: 'prj_1', batch_id: 'b3', recipient: '+12025550103' };
    assert.equal(await directDeliveryStore.findStatus(store.db, key), undefined);
    await directDeliveryStore.upsert(store.db, directDeliveryRow('b3', '+12025550103', { status: 'sent', updated_at: 2000 }));
    assert.equal(await directDeliveryStore.findStatus(store.db, key), 'sent');
    const before = await directDeliveryStore.count(store.db, 'prj_1');
    await directDeliveryStore.upsert(store.db, directDeliveryRow('b3', '+12025550103', { status: 'delivered', updated_at: 3000 }));
    assert.equal(await directDeliveryStore.findStatus(store.db, key), 'delivered');
    assert.equal(await directDeliveryStore.count(store.db, 'prj_1'), before);
    // The other rows are untouched.
    assert.equal(await directDeliveryStore.findStatus(store.db, { ...key, batch_id: 'b1', recipient: '+12025550101' }), 'sent');
  });

  const counts: { project: string; want: number }[] = [
    { project: 'prj_1', want: 4 },
    { project: 'prj_2', want: 1 },
    { project: 'prj_none', want: 0 },
  ];
  for (const c of counts) {
    test(`count: ${c.want} in ${c.project}`, async () => {
      assert.equal(await directDeliveryStore.count(store.db, c.project), c.want);
    });
  }
});
