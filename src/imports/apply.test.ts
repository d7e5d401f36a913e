import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as customerStore from '../store/customers.js';
import { customerRow, projectRow } from '../store/fixtures.js';
import * as importStore from '../store/imports.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { applyBatch } from './apply.js';
import { packRows } from './pack.js';
import type { ImportRow } from './rows.js';

let store: TestStore;
const job = { id: 'imp_1', project_id: 'prj_1' };

before(async () => {
  store = await openTestStore();
  await store.db.insertInto('projects').values(projectRow('prj_1')).execute();
  await importStore.insert(store.db, {
    ...job, format: 'csv', state: 'running', file: 'imp_1.csv', columns: null, bytes_total: 100, bytes_processed: 0, line: 1,
    rows_total: null, rows_processed: 0, rows_created: 0, rows_updated: 0, rows_failed: 0, error: null, created_at: 1, updated_at: 1, started_at: 1, finished_at: null,
  });
  await customerStore.insert(store.db, customerRow('cus_old', 'prj_1', { customer_id: 'old', phone: '+46700000001', country: 'SE', attributes: JSON.stringify({ keep: 1, drop: 2, over: 'a' }) }));
  await customerStore.insert(store.db, customerRow('cus_kept', 'prj_1', { customer_id: 'kept', phone: '+46700000002', country: 'SE', attributes: '{"a":1}' }));
});
after(() => store.close());

const se = (n: string) => ({ e164: `+4670000000${n}`, country: 'SE' });

test('a batch creates the new customers, merges into the present ones, and counts each row once', async () => {
  const rows: ImportRow[] = [
    { customer_id: 'new1', phone: se('3'), attributes: { a: 1, gone: null } },
    { customer_id: 'old', attributes: { drop: null, over: 'b' } },
    { customer_id: 'new1', attributes: { b: 2 } },
    { customer_id: 'kept', phone: null, attributes: {} },
    { customer_id: 'old', phone: se('4'), attributes: { later: true } },
    { customer_id: 'new2', attributes: { x: null } },
    // Two statements' worth, so a present customer is found past the first one too.
    ...Array.from({ length: 150 }, (_, i): ImportRow => ({ customer_id: `bulk${i}`, attributes: { i } })),
    { customer_id: 'kept', attributes: { z: 'z' } },
  ];
  const r = await applyBatch(store.db, job, { customers: packRows(rows), errors: [{ import_id: 'imp_1', line: 9, field: 'phone', code: 'invalid_phone', message: 'no' }], end: 50, line: 9 });
  assert.deepEqual(r, { created: 152, updated: 5 });
  const get = async (id: string) => {
    const c = (await customerStore.find(store.db, 'prj_1', id))!;
    return { id: c.id, phone: c.phone, country: c.country, attributes: JSON.parse(c.attributes) as unknown };
  };
  const new1 = await get('new1');
  assert.match(new1.id, /^cus_/);
  assert.deepEqual({ ...new1, id: null }, { id: null, phone: '+46700000003', country: 'SE', attributes: { a: 1, b: 2 } });
  assert.deepEqual(await get('old'), { id: 'cus_old', phone: '+46700000004', country: 'SE', attributes: { keep: 1, over: 'b', later: true } });
  assert.deepEqual(await get('kept'), { id: 'cus_kept', phone: null, country: null, attributes: { a: 1, z: 'z' } });
  assert.deepEqual((await get('new2')).attributes, {});
  assert.deepEqual((await get('bulk149')).attributes, { i: 149 });
  const j = (await importStore.findAny(store.db, 'imp_1'))!;
  assert.deepEqual([j.bytes_processed, j.line, j.rows_created, j.rows_updated, j.rows_failed, j.rows_processed], [50, 9, 152, 5, 1, 158]);

  // The same rows again (a resumed batch, or the file imported twice): every customer is present now.
  const again = await applyBatch(store.db, job, { customers: packRows(rows), errors: [], end: 60, line: 10 });
  assert.deepEqual(again, { created: 0, updated: 157 });
  assert.deepEqual((await get('new1')).id, new1.id);
  assert.deepEqual((await get('old')).attributes, { keep: 1, over: 'b', later: true });
});
