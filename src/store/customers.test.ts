import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { customerRow, projectRow } from './fixtures.js';
import * as customerStore from './customers.js';
import { inTransaction } from './db.js';
import * as projectStore from './projects.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`customer store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await projectStore.insert(store.db, projectRow('prj_2'));
    const rows = [
      customerRow('cus_03', 'prj_1', { customer_id: 'alice', phone: '+12025550101', country: 'US', attributes: '{"tier":"gold"}' }),
      customerRow('cus_01', 'prj_1', { customer_id: 'bob', phone: '+12025550102', country: 'US', attributes: '{"first_name":"Bob"}' }),
      // Two profiles of one project may share a phone; the lowest id wins a lookup by phone.
      customerRow('cus_02', 'prj_1', { customer_id: 'bob-work', phone: '+12025550102', country: 'US' }),
      customerRow('cus_04', 'prj_1', { customer_id: 'carol' }),
      customerRow('cus_05', 'prj_1', { customer_id: '+447700900123', phone: '+447700900123', country: 'GB', origin: 'inbound' }),
      customerRow('cus_06', 'prj_2', { customer_id: 'alice', phone: '+12025550101' }),
    ];
    for (const r of rows) await customerStore.insert(store.db, r);
  });
  after(() => store.close());

  test('a row round-trips, origin and attributes included', async () => {
    assert.deepEqual(
      await customerStore.find(store.db, 'prj_1', '+447700900123'),
      customerRow('cus_05', 'prj_1', { customer_id: '+447700900123', phone: '+447700900123', country: 'GB', origin: 'inbound' }),
    );
  });

  const finds: { name: string; project: string; customerId: string; want: string | undefined }[] = [
    { name: 'by customer_id within the project', project: 'prj_1', customerId: 'alice', want: 'cus_03' },
    { name: 'the same customer_id in another project is another customer', project: 'prj_2', customerId: 'alice', want: 'cus_06' },
    { name: 'an unknown customer_id', project: 'prj_1', customerId: 'zed', want: undefined },
    { name: 'customer_id is matched exactly', project: 'prj_1', customerId: 'ALICE', want: undefined },
  ];
  for (const c of finds) {
    test(`find: ${c.name}`, async () => {
      assert.equal((await customerStore.find(store.db, c.project, c.customerId))?.id, c.want);
    });
  }

  const byPhone: { name: string; project: string; phone: string; want: string | undefined }[] = [
    { name: 'the one customer with the phone', project: 'prj_1', phone: '+12025550101', want: 'cus_03' },
    { name: 'the lowest id of several with the phone', project: 'prj_1', phone: '+12025550102', want: 'cus_01' },
    { name: 'only within the project', project: 'prj_2', phone: '+12025550102', want: undefined },
    { name: 'an unknown phone', project: 'prj_1', phone: '+12025550199', want: undefined },
  ];
  for (const c of byPhone) {
    test(`findByPhone: ${c.name}`, async () => {
      assert.equal((await customerStore.findByPhone(store.db, c.project, c.phone))?.id, c.want);
    });
  }

  test("a second customer with a project's customer_id is refused, inside a transaction too", async () => {
    await assert.rejects(customerStore.insert(store.db, customerRow('cus_dup', 'prj_1', { customer_id: 'alice' })));
    await assert.rejects(inTransaction(store.db, (trx) => customerStore.insert(trx, customerRow('cus_dup', 'prj_1', { customer_id: 'alice' }))));
    assert.equal((await customerStore.find(store.db, 'prj_1', 'alice'))?.id, 'cus_03');
  });

  test('a customer of an unknown project is refused', async () => {
    await assert.rejects(customerStore.insert(store.db, customerRow('cus_orphan', 'prj_nope')));
  });

  test('an insert rolled back with its transaction leaves nothing', async () => {
    await assert.rejects(
      inTransaction(store.db, async (trx) => {
        await customerStore.insert(trx, customerRow('cus_rb', 'prj_2', { customer_id: 'rolled-back' }));
        assert.equal((await customerStore.find(trx, 'prj_2', 'rolled-back'))?.id, 'cus_rb', 'visible inside');
        throw new Error('boom');
      }),
    );
    assert.equal(await customerStore.find(store.db, 'prj_2', 'rolled-back'), undefined);
  });

  const updates: { name: string; patch: customerStore.CustomerPatch }[] = [
    { name: 'attributes', patch: { attributes: '{"tier":"silver"}', updated_at: 2000 } },
    { name: 'phone and country', patch: { phone: '+12025550150', country: 'US', updated_at: 2001 } },
    { name: 'clears the phone', patch: { phone: null, country: null, updated_at: 2002 } },
  ];
  for (const c of updates) {
    test(`update: ${c.name}, other columns unchanged`, async () => {
      const before = (await customerStore.find(store.db, 'prj_1', 'carol'))!;
      await customerStore.update(store.db, before.id, c.patch);
      assert.deepEqual(await customerStore.find(store.db, 'prj_1', 'carol'), { ...before, ...c.patch });
    });
  }

  const pages: { name: string; limit: number; after?: string; want: string[] }[] = [
    { name: 'the first page in id order', limit: 2, want: ['cus_01', 'cus_02'] },
    { name: 'the page after a cursor', limit: 2, after: 'cus_02', want: ['cus_03', 'cus_04'] },
    { name: 'a short last page', limit: 2, after: 'cus_04', want: ['cus_05'] },
    { name: 'nothing past the end', limit: 2, after: 'cus_05', want: [] },
    { name: 'a cursor between ids', limit: 10, after: 'cus_025', want: ['cus_03', 'cus_04', 'cus_05'] },
    { name: "everything of the project, never another's", limit: 100, want: ['cus_01', 'cus_02', 'cus_03', 'cus_04', 'cus_05'] },
  ];
  for (const c of pages) {
    test(`list: ${c.name}`, async () => {
      const rows = await customerStore.list(store.db, 'prj_1', { limit: c.limit, after: c.after });
      assert.deepEqual(rows.map((r) => r.id), c.want);
    });
  }
  test('insertUnlessPresent: inserts the new customers, skips and returns the present ones, in or outside a transaction', async () => {
    const contacts = (...rows: [string, string][]) => rows.flatMap(([id, customerId]) => [id, customerId, '+12025550199', 'US', '{"k":1}']);
    // Outside a transaction: the prepared (portable) query.
    const present = await customerStore.insertUnlessPresent(store.db, 'prj_2', 5000, contacts(['cus_i1', 'dave'], ['cus_i2', 'alice']));
    assert.deepEqual(present.map((c) => [c.id, c.customer_id]), [['cus_06', 'alice']]);
    assert.deepEqual(await customerStore.find(store.db, 'prj_2', 'dave'), { id: 'cus_i1', project_id: 'prj_2', customer_id: 'dave', phone: '+12025550199', country: 'US', attributes: '{"k":1}', origin: 'api', created_at: 5000, updated_at: 5000 });
    assert.equal((await customerStore.find(store.db, 'prj_2', 'alice'))?.id, 'cus_06', 'the present customer is left as it was');
    // In a transaction: the statement run on the connection directly.
    const inTrx = await inTransaction(store.db, (trx) => customerStore.insertUnlessPresent(trx, 'prj_2', 6000, contacts(['cus_i3', 'dave'], ['cus_i4', 'erin'], ['cus_i5', 'alice'])));
    assert.deepEqual(inTrx.map((c) => c.id).sort(), ['cus_06', 'cus_i1']);
    assert.equal((await customerStore.find(store.db, 'prj_2', 'erin'))?.id, 'cus_i4');
    assert.equal((await customerStore.find(store.db, 'prj_2', 'erin'))?.created_at, 6000);
    // No phone or country; quotes, commas, braces and a backslash kept as given; all present at once.
    const odd = '{"note":"a \\"quoted\\", {braced} \\\\ value"}';
    const bare = await customerStore.insertUnlessPresent(store.db, 'prj_2', 7000, ['cus_i6', 'frank, "jr"', null, null, odd]);
    assert.deepEqual(bare, []);
    assert.deepEqual(await customerStore.find(store.db, 'prj_2', 'frank, "jr"'), { id: 'cus_i6', project_id: 'prj_2', customer_id: 'frank, "jr"', phone: null, country: null, attributes: odd, origin: 'api', created_at: 7000, updated_at: 7000 });
    const again = await customerStore.insertUnlessPresent(store.db, 'prj_2', 8000, contacts(['cus_i7', 'dave'], ['cus_i8', 'erin']));
    assert.deepEqual(again.map((c) => c.id).sort(), ['cus_i1', 'cus_i4'], 'every one present: nothing inserted, all returned');
    assert.deepEqual(await customerStore.insertUnlessPresent(store.db, 'prj_2', 9000, []), []);
  });
});
