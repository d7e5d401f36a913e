import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { ingestRejectionRow } from './fixtures.js';
import * as rejectionStore from './ingest-rejections.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`ingest rejection store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  /** The ids of prj_1's rejections, in insertion order. */
  let ids: number[];
  before(async () => {
    store = await backend.open();
    const rows = [
      ingestRejectionRow({ reason: 'no_client_reference', batch_id: 'b1', body: '{"batch_id":"b1"}', received_at: 1001 }),
      ingestRejectionRow({ project_id: 'prj_2', reason: 'no_client_reference', received_at: 1002 }),
      ingestRejectionRow({ reason: 'no_customer_id', client_reference: '{"x":1}', batch_id: 'b2', received_at: 1003 }),
      ingestRejectionRow({ reason: 'unreadable', received_at: 1004 }),
      ingestRejectionRow({ reason: 'no_customer_id', received_at: 1005 }),
    ];
    for (const r of rows) await rejectionStore.insert(store.db, r);
    ids = (await rejectionStore.list(store.db, 'prj_1', { limit: 100 })).map((r) => r.id);
  });
  after(() => store.close());

  test('rows round-trip with numeric, increasing ids', async () => {
    const rows = await rejectionStore.list(store.db, 'prj_1', { limit: 100 });
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[1], {
      id: ids[1],
      ...ingestRejectionRow({ reason: 'no_customer_id', client_reference: '{"x":1}', batch_id: 'b2', received_at: 1003 }),
    });
    assert.ok(rows.every((r) => typeof r.id === 'number'));
    assert.deepEqual([...ids].sort((a, b) => a - b), ids);
  });

  const pages: { name: string; limit: number; after?: (ids: number[]) => number; want: number[] }[] = [
    { name: 'the first page, oldest first', limit: 2, want: [1001, 1003] },
    { name: 'the page after a cursor', limit: 2, after: (ids) => ids[1]!, want: [1004, 1005] },
    { name: 'a short last page', limit: 2, after: (ids) => ids[2]!, want: [1005] },
    { name: 'nothing past the end', limit: 2, after: (ids) => ids[3]!, want: [] },
    { name: 'a cursor of 0 is a cursor, not absent', limit: 10, after: () => 0, want: [1001, 1003, 1004, 1005] },
    { name: "never another project's, even past a cursor between them", limit: 10, after: (ids) => ids[0]!, want: [1003, 1004, 1005] },
  ];
  for (const c of pages) {
    test(`list: ${c.name}`, async () => {
      const rows = await rejectionStore.list(store.db, 'prj_1', { limit: c.limit, after: c.after?.(ids) });
      assert.deepEqual(rows.map((r) => r.received_at), c.want);
    });
  }

  const counts: { project: string; want: number }[] = [
    { project: 'prj_1', want: 4 },
    { project: 'prj_2', want: 1 },
    { project: 'prj_none', want: 0 },
  ];
  for (const c of counts) {
    test(`count: ${c.want} in ${c.project}`, async () => {
      assert.equal(await rejectionStore.count(store.db, c.project), c.want);
      assert.equal((await rejectionStore.list(store.db, c.project, { limit: 100 })).length, c.want);
    });
  }
});

for (const backend of await storeBackends()) describe(`ingest rejection store: pruning (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(() => store.close());

  const stamps = async (projectId: string) => (await rejectionStore.list(store.db, projectId, { limit: 1000 })).map((r) => r.received_at);

  test('deleteBefore deletes rejections received before the cutoff, oldest first, in batches', async () => {
    for (const [project_id, received_at] of [['prj_1', 1000], ['prj_2', 1001], ['prj_1', 1002], ['prj_1', 5000], ['prj_2', 5001]] as const) {
      await rejectionStore.insert(store.db, ingestRejectionRow({ project_id, received_at }));
    }
    const below = await rejectionStore.firstIdSince(store.db, 5000);
    assert.equal(below, (await rejectionStore.list(store.db, 'prj_1', { limit: 10 }))[2]!.id);
    assert.equal(await rejectionStore.deleteBefore(store.db, 5000, below, 2), 2);
    assert.deepEqual(await stamps('prj_1'), [1002, 5000]);
    assert.deepEqual(await stamps('prj_2'), [5001]);
    assert.equal(await rejectionStore.deleteBefore(store.db, 5000, below, 2), 1);
    assert.equal(await rejectionStore.deleteBefore(store.db, 5000, below, 2), 0);
    assert.deepEqual(await stamps('prj_1'), [5000]);
    assert.equal(await rejectionStore.firstIdSince(store.db, 6000), null);
    assert.equal(await rejectionStore.deleteBefore(store.db, 6000, null, 10), 2);
  });

  test('deleteBeyond keeps the newest rejections of the project named, and no other project loses any', async () => {
    for (let i = 0; i < 7; i++) await rejectionStore.insert(store.db, ingestRejectionRow({ project_id: 'prj_1', received_at: 1000 + i }));
    for (let i = 0; i < 3; i++) await rejectionStore.insert(store.db, ingestRejectionRow({ project_id: 'prj_2', received_at: 2000 + i }));
    assert.deepEqual((await rejectionStore.projectsWithRejections(store.db)).sort(), ['prj_1', 'prj_2']);
    assert.equal(await rejectionStore.deleteBeyond(store.db, 'prj_1', 3, 2), 2);
    assert.deepEqual(await stamps('prj_1'), [1002, 1003, 1004, 1005, 1006]);
    assert.equal(await rejectionStore.deleteBeyond(store.db, 'prj_1', 3, 2), 2);
    assert.equal(await rejectionStore.deleteBeyond(store.db, 'prj_1', 3, 2), 0);
    assert.deepEqual(await stamps('prj_1'), [1004, 1005, 1006]);
    assert.equal(await rejectionStore.deleteBeyond(store.db, 'prj_2', 3, 10), 0);
    assert.deepEqual(await stamps('prj_2'), [2000, 2001, 2002]);
    assert.equal(await rejectionStore.deleteBeyond(store.db, 'prj_2', 0, 10), 3);
    assert.deepEqual(await rejectionStore.projectsWithRejections(store.db), ['prj_1']);
  });
});
