// Customer data through the API: PATCH merges, DELETE erases (and cancels what was queued),
// bulk imports of CSV and NDJSON with per-row errors, and their bad input refused by field.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { eventually, startHub, type TestHub } from './helpers.js';

let t: TestHub;
let pid: string;
before(async () => {
  t = await startHub({ env: { IMPORT_MAX_BYTES: String(2 * 1024 * 1024) }, hub: { imports: { batchRows: 3, pollMs: 50 } } });
  pid = (await t.api.post('/api/v1/projects', { name: 'Data' })).body.id;
});
after(() => t.close());

const path = (p: string) => `/api/v1/projects/${pid}${p}`;

test('PATCH merges attributes (null removes a key), sets or clears the phone, 404 for an unknown customer', async () => {
  await t.api.post(path('/customers'), { customer_id: 'p1', phone: '+46700000001', attributes: { a: 1, b: 2, keep: 'x' } });
  const r = await t.api.patch(path('/customers/p1'), { attributes: { a: 10, b: null, c: true } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.attributes, { a: 10, keep: 'x', c: true });
  assert.equal(r.body.phone, '+46700000001');
  const phone = await t.api.patch(path('/customers/p1'), { phone: '+1 202 555 0100' });
  assert.equal(phone.body.phone, '+12025550100');
  assert.deepEqual(phone.body.attributes, { a: 10, keep: 'x', c: true });
  assert.equal((await t.api.patch(path('/customers/p1'), { phone: null })).body.phone, null);
  const bad = await t.api.patch(path('/customers/p1'), { phone: '12' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'phone');
  const unknown = await t.api.patch(path('/customers/p1'), { email: 'x' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.field, 'email');
  assert.equal((await t.api.patch(path('/customers/nobody'), { attributes: {} })).status, 404);
});

test('the customer list filters by phone, in any notation; a number it cannot read is a 400 naming phone', async () => {
  await t.api.post(path('/customers'), { customer_id: 'ph-1', phone: '+12025550143' });
  await t.api.post(path('/customers'), { customer_id: 'ph-2', phone: '+12025550144' });
  for (const q of ['+12025550143', '+1 (202) 555-0143', '0012025550143']) {
    const r = await t.api.get(path(`/customers?phone=${encodeURIComponent(q)}`));
    assert.equal(r.status, 200, q);
    assert.deepEqual(r.body.data.map((c: { customer_id: string }) => c.customer_id), ['ph-1'], q);
  }
  assert.deepEqual((await t.api.get(path('/customers?phone=%2B12025550199'))).body.data, []);
  const bad = await t.api.get(path('/customers?phone=12'));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'phone');
});

test('DELETE erases the profile; a second DELETE is 404', async () => {
  await t.api.post(path('/customers'), { customer_id: 'gone', phone: '+46700000002', attributes: { name: 'Ann' } });
  const r = await t.api.delete(path('/customers/gone'));
  assert.equal(r.status, 204);
  assert.equal((await t.api.get(path('/customers/gone'))).status, 404);
  assert.equal((await t.api.delete(path('/customers/gone'))).status, 404);
});

async function upload(body: string, type: string) {
  return t.api.call('POST', path('/imports'), body, { 'content-type': type });
}

async function done(id: string) {
  return eventually(async () => {
    const j = (await t.api.get(path(`/imports/${id}`))).body;
    return j.state === 'done' || j.state === 'failed' ? j : undefined;
  }, 20_000, 'the import to finish');
}

test('a CSV import upserts by customer_id, types attributes, and reports bad rows by line and field', async () => {
  await t.api.post(path('/customers'), { customer_id: 'c2', attributes: { kept: 'yes', age: 1 } });
  const csv = [
    'customer_id,phone,name,age:number,vip:boolean',
    'c1,+46700000011,Ann,31,true',
    'c2,,Bo,40,',
    ',+46700000013,Nobody,1,false',
    'c4,not-a-phone,Cy,1,true',
    'c5,+46700000015,"Multi',
    'line",22,no',
    'c6,+46700000016,Di,old,yes',
    'c1,,Ann B,,',
    '',
  ].join('\n');
  const r = await upload(csv, 'text/csv');
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.state, 'queued');
  const job = await done(r.body.id);
  assert.equal(job.state, 'done');
  assert.deepEqual(
    { total: job.rows_total, processed: job.rows_processed, created: job.rows_created, updated: job.rows_updated, failed: job.rows_failed, bytes: job.bytes_processed === job.bytes_total },
    { total: 7, processed: 7, created: 2, updated: 2, failed: 3, bytes: true },
  );
  const c1 = (await t.api.get(path('/customers/c1'))).body;
  assert.deepEqual(c1.attributes, { name: 'Ann B', age: 31, vip: true });
  assert.equal(c1.phone, '+46700000011');
  assert.deepEqual((await t.api.get(path('/customers/c2'))).body.attributes, { kept: 'yes', name: 'Bo', age: 40 });
  assert.deepEqual((await t.api.get(path('/customers/c5'))).body.attributes, { name: 'Multi\nline', age: 22, vip: false });
  const errors = (await t.api.get(path(`/imports/${r.body.id}/errors`))).body;
  assert.deepEqual(errors.data.map((e: any) => [e.line, e.field, e.code]), [
    [4, 'customer_id', 'missing_field'],
    [5, 'phone', 'invalid_phone'],
    [8, 'age', 'invalid_number'],
  ]);
  const page = (await t.api.get(path(`/imports/${r.body.id}/errors?limit=2`))).body;
  assert.equal(page.data.length, 2);
  const rest = (await t.api.get(path(`/imports/${r.body.id}/errors?cursor=${page.next_cursor}`))).body;
  assert.deepEqual(rest.data.map((e: any) => e.line), [8]);
  const list = (await t.api.get(path('/imports'))).body;
  assert.ok(list.data.some((j: any) => j.id === r.body.id));
});

test('an NDJSON import: phone null clears, attribute null removes, bad lines named', async () => {
  await t.api.post(path('/customers'), { customer_id: 'n1', phone: '+46700000021', attributes: { a: 1, b: 2 } });
  const nd = [
    '{"customer_id":"n1","phone":null,"attributes":{"b":null,"c":3}}',
    '{"customer_id":"n2","phone":"+46700000022"}',
    '{"customer_id":"n3",',
    '{"customer_id":"n4","email":"x"}',
  ].join('\n');
  const r = await upload(nd, 'application/x-ndjson');
  assert.equal(r.status, 202);
  const job = await done(r.body.id);
  assert.equal(job.rows_failed, 2);
  const n1 = (await t.api.get(path('/customers/n1'))).body;
  assert.equal(n1.phone, null);
  assert.deepEqual(n1.attributes, { a: 1, c: 3 });
  const errors = (await t.api.get(path(`/imports/${r.body.id}/errors`))).body.data;
  assert.deepEqual(errors.map((e: any) => [e.line, e.field, e.code]), [[3, null, 'invalid_json'], [4, 'email', 'unknown_field']]);
});

test('a CSV the parser loses its place in stops there, saying exactly which rows landed', async () => {
  // An unclosed quote: the rest of the file is one record, past the parser's limit.
  const csv = 'customer_id,note\nf1,a\nf2,b\nf3,c\nf4,"' + 'x'.repeat(1024 * 1024 + 10) + '\nf5,e\n';
  const r = await t.api.call('POST', path('/imports'), csv, { 'content-type': 'text/csv' });
  assert.equal(r.status, 202);
  const job = await done(r.body.id);
  assert.equal(job.state, 'failed');
  assert.equal(job.rows_created, 3, JSON.stringify(job));
  assert.equal(job.line, 4);
  assert.match(job.error, /^line 5: a CSV record is larger than 1048576 bytes .*the rows up to line 4 landed, the others did not$/);
  assert.equal((await t.api.get(path('/customers/f3'))).status, 200);
  assert.equal((await t.api.get(path('/customers/f5'))).status, 404);
});

test('bad uploads are 4xx naming what is wrong', async () => {
  const noId = await upload('phone,name\n+46700000001,x\n', 'text/csv');
  assert.equal(noId.status, 400);
  assert.equal(noId.body.error.field, 'customer_id');
  const badType = await upload('customer_id,age:integer\n1,2\n', 'text/csv');
  assert.equal(badType.status, 400);
  assert.equal(badType.body.error.field, 'age:integer');
  const empty = await upload('', 'text/csv');
  assert.equal(empty.status, 400);
  const media = await t.api.call('POST', path('/imports'), 'x', { 'content-type': 'text/plain' });
  assert.equal(media.status, 415);
  assert.equal((await t.api.get(path('/imports/imp_nope'))).status, 404);
});

test('a file over IMPORT_MAX_BYTES is 413, declared or streamed, and leaves nothing behind', async () => {
  const big = 'customer_id\n' + 'x'.repeat(2 * 1024 * 1024) + '\n';
  const declared = await upload(big, 'text/csv');
  assert.equal(declared.status, 413);
  // Chunked, without a Content-Length: refused once the cap is crossed.
  const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 0x61));
  const res = await request(t.url + path('/imports'), {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'text/csv' },
    body: Readable.from([Buffer.from('customer_id\n'), ...chunks]),
  }).catch((err: unknown) => err as Error);
  if (!(res instanceof Error)) {
    assert.equal(res.statusCode, 413);
    await res.body.dump();
  }
  const files = readdirSync(t.hub.imports.dir);
  const jobs = (await t.api.get(path('/imports'))).body.data.map((j: any) => `${j.id}.${j.format}`);
  assert.deepEqual(files.filter((f) => !jobs.includes(f)), []);
});
