import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './ids.js';

test('ids are prefixed ULIDs, unique and in creation order, across refills of the random pool', () => {
  // 4096 pooled bytes serve 256 ids whose millisecond is new: make many, some milliseconds apart.
  const ids: string[] = [];
  const until = Date.now() + 30;
  while (Date.now() < until || ids.length < 20_000) ids.push(newId('msg'));
  for (const id of ids) assert.match(id, /^msg_[0-9a-hjkmnp-tv-z]{26}$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  // The random part is random: the characters right after the time part take many values.
  const firstRandomChars = new Set(ids.map((id) => id.slice(4 + 10, 4 + 11)));
  assert.ok(firstRandomChars.size > 8, `only ${firstRandomChars.size} distinct`);
});
