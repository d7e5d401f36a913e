import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { csvHeader, csvRecords, ImportFileError, MAX_CSV_PARSER_RECORD_BYTES, MAX_RECORD_BYTES, ndjsonLines, type Item } from './readers.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function all<T>(gen: AsyncGenerator<Item<T>>): Promise<Item<T>[]> {
  const out: Item<T>[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

test('csvRecords: line numbers where records start, byte offsets past them, resumable from any of them', async () => {
  const text = '\ufeffcustomer_id,name\n1,"é a"\n\n2,"multi\nline"\r\n3,x\n4,"bad"x\n';
  const path = file('a.csv', text);
  const header = await csvHeader(path);
  assert.ok(!('error' in header));
  assert.deepEqual(header.values, ['customer_id', 'name']);
  assert.equal(header.line, 1);
  assert.equal(header.end, Buffer.byteLength('\ufeffcustomer_id,name\n'));
  const items = await all(csvRecords(path, header.end, header.line));
  const rows = items.filter((i) => i.kind === 'row');
  assert.deepEqual(rows.map((r) => [r.line, r.value]), [[2, ['1', 'é a']], [4, ['2', 'multi\nline']], [6, ['3', 'x']]]);
  const errors = items.filter((i) => i.kind === 'error');
  assert.equal(errors[0]?.line, 7);
  // Resuming right after any record gives the rest exactly.
  for (const [i, r] of rows.entries()) {
    if (r.kind !== 'row') continue;
    const rest = (await all(csvRecords(path, r.end, r.last))).filter((x) => x.kind === 'row');
    assert.deepEqual(rest.map((x) => x.kind === 'row' && x.line), rows.slice(i + 1).map((x) => x.kind === 'row' && x.line));
  }
});

test('csvHeader of an empty file says so', async () => {
  assert.ok('error' in (await csvHeader(file('empty.csv', ''))));
});

test('ndjsonLines: lines, offsets, blank lines skipped, a line past the limit reported not buffered', async () => {
  const long = '{"customer_id":"' + 'x'.repeat(MAX_RECORD_BYTES) + '"}';
  const text = '{"a":1}\r\n\n{"é":2}\n' + long + '\n{"c":3}';
  const path = file('a.ndjson', text);
  const items = await all(ndjsonLines(path, 0, 0));
  assert.deepEqual(
    items.map((i) => (i.kind === 'row' ? [i.line, i.value, i.end] : [i.line, i.code])),
    [
      [1, '{"a":1}', 9],
      [3, '{"é":2}', 9 + 1 + Buffer.byteLength('{"é":2}\n')],
      [4, 'line_too_long'],
      [5, '{"c":3}', Buffer.byteLength(text)],
    ],
  );
  const second = items[1]!;
  assert.ok(second.kind === 'row');
  const rest = await all(ndjsonLines(path, second.end, second.line));
  assert.deepEqual(rest.map((i) => i.line), [4, 5]);
});

test('csvRecords: a record past 64 KiB is an error for its line, the next row still comes; past the parser limit the read stops there', async () => {
  const path = file('wide.csv', 'a,b\n1,2\n3,' + 'x'.repeat(MAX_RECORD_BYTES + 10) + '\n4,5\n');
  const items = await all(csvRecords(path, 4, 1));
  assert.deepEqual(items.map((i) => (i.kind === 'row' ? [i.line, i.value[0]] : [i.line, i.code])), [[2, '1'], [3, 'line_too_long'], [4, '4']]);
  const huge = file('huge.csv', 'a,b\n1,2\n3,"' + 'x'.repeat(MAX_CSV_PARSER_RECORD_BYTES + 10) + '\n4,5\n');
  const seen: Item<string[]>[] = [];
  await assert.rejects(async () => {
    for await (const i of csvRecords(huge, 4, 1)) seen.push(i);
  }, (err: unknown) => err instanceof ImportFileError && err.line === 3);
  assert.deepEqual(seen.map((i) => i.line), [2]);
});

test('csvRecords: lines a malformed record swallows are covered by its error, so every line is in a row or an error', async () => {
  const path = file('quotes.csv', 'a,b,c\n1,x,y\n4,"bad"x,1\n5,a,b\n6,"q",c\n7,d,e\n8,f"g,h\n9,i,j\n');
  const items = await all(csvRecords(path, 6, 1));
  assert.deepEqual(
    items.map((i) => (i.kind === 'row' ? [i.line, i.value[0]] : [i.line, i.code, /^lines \d+ to \d+/.exec(i.message)?.[0] ?? null])),
    [[2, '1'], [3, 'invalid_csv', null], [4, 'invalid_csv', 'lines 4 to 5'], [6, '7'], [7, 'invalid_csv', null], [8, '9']],
  );
});
