import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThrottledLog } from './throttled-log.js';

test('one line per key per interval, then a count of those left out', () => {
  const log = new ThrottledLog(1000, 100);
  assert.equal(log.admit('a', 0), 0);
  assert.equal(log.admit('a', 10), null);
  assert.equal(log.admit('a', 999), null);
  assert.equal(log.admit('b', 500), 0, 'keys are independent');
  assert.equal(log.admit('a', 1000), 2, 'the two left out are reported');
  assert.equal(log.admit('a', 1500), null);
  assert.equal(log.admit('a', 2000), 1);
});

test('a flood of keys forgets the oldest, never grows without bound', () => {
  const log = new ThrottledLog(1000, 3);
  for (const k of ['a', 'b', 'c', 'd']) assert.equal(log.admit(k, 0), 0);
  assert.equal(log.admit('a', 1), 0, 'a was forgotten, so it logs again');
  assert.equal(log.admit('d', 1), null);
});
