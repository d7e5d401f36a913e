import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idFloor, newId } from './ids.js';

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

test('idFloor: ids created at or after t compare at or above it, earlier ones below', () => {
  const before = newId('msg');
  const t = Date.now() + 2;
  while (Date.now() < t + 1) {
    /* wait for the next millisecond */
  }
  const after = newId('msg');
  const floor = idFloor('msg', t);
  assert.ok(before < floor, `${before} < ${floor}`);
  assert.ok(after >= floor, `${after} >= ${floor}`);
  assert.ok(idFloor('msg', t) > idFloor('msg', t - 1));
  assert.equal(idFloor('msg', 0), 'msg_0000000000');
});
