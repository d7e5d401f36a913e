import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { batches, type ParsedBatch, type ParseSource } from './batches.js';
import { parsedBatches } from './thread.js';
import { parseCsvHeader } from './rows.js';
import { CONTACT, NEW_CONTACT_WIDTH } from '../store/new-contacts.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-batches-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = 'customer_id,age:number\nc1,1\nc2,x\nc3,3\n"c4\n",4\nc5,5\n';
const path = join(dir, 'a.csv');
writeFileSync(path, text);
const header = parseCsvHeader(['customer_id', 'age:number']);
assert.ok(header.ok);
const source: ParseSource = { path, format: 'csv', columns: JSON.stringify(header.columns), start: Buffer.byteLength('customer_id,age:number\n'), line: 1 };

async function all<B>(gen: AsyncGenerator<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

const customerIds = (b: ParsedBatch) => b.customers.contacts.filter((_, i) => i % NEW_CONTACT_WIDTH === CONTACT.customer_id);
const summary = (bs: ParsedBatch[]) => bs.map((b) => ({ ids: customerIds(b), errors: b.errors.map((e) => e.line), line: b.line, final: b.final }));

test('batches: cut after rows, each with the checkpoint past it; resuming from one gives the rest', async () => {
  const bs = await all(batches(source, 2));
  assert.deepEqual(summary(bs), [
    { ids: ['c1'], errors: [3], line: 3, final: false },
    { ids: ['c3', 'c4'], errors: [], line: 6, final: false },
    { ids: ['c5'], errors: [], line: 7, final: true },
  ]);
  const second = bs[0]!;
  const rest = await all(batches({ ...source, start: second.end, line: second.line }, 2));
  assert.deepEqual(summary(rest), summary(bs.slice(1)));
});

/** The batches with each new customer's id blanked (fresh on every run) once checked for its form. */
function withoutIds(bs: ParsedBatch[]): ParsedBatch[] {
  return bs.map((b) => {
    const contacts = b.customers.contacts.map((v, i) => {
      if (i % NEW_CONTACT_WIDTH !== CONTACT.id) return v;
      assert.match(v ?? '', /^cus_[0-9a-z]{26}$/);
      return null;
    });
    return { ...b, customers: { ...b.customers, contacts } };
  });
}

test('the parse thread gives the same batches as parsing in process', async () => {
  const threaded = await all(parsedBatches(source, 2));
  assert.deepEqual(withoutIds(threaded), withoutIds(await all(batches(source, 2))));
  assert.deepEqual(threaded.map(customerIds), [['c1'], ['c3', 'c4'], ['c5']]);
});
