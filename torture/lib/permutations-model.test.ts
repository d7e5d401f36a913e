import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedOutcome, shuffledWithDuplicates } from './permutations-model.js';

test('in order: each status advances and is recorded', () => {
  const e = expectedOutcome('enqueued', 'enqueue_failed', ['sent', 'delivered', 'read']);
  assert.equal(e.status, 'read');
  assert.deepEqual([...e.events].sort(), ['delivered', 'enqueued', 'read', 'sent']);
});

test('a late earlier status is recorded once and the status stays', () => {
  const e = expectedOutcome('enqueued', 'enqueue_failed', ['delivered', 'sent', 'sent']);
  assert.equal(e.status, 'delivered');
  assert.deepEqual([...e.events].sort(), ['delivered', 'enqueued', 'sent']);
});

test('the first final status stands against another of the same rank', () => {
  const e = expectedOutcome('enqueued', 'enqueue_failed', ['failed', 'delivered']);
  assert.equal(e.status, 'failed');
  assert.deepEqual([...e.events].sort(), ['enqueued', 'failed']);
});

test('words that make no event change nothing', () => {
  const e = expectedOutcome('enqueued', 'enqueue_failed', [null, null]);
  assert.equal(e.status, 'enqueued');
  assert.deepEqual([...e.events], ['enqueued']);
});

test('a refused message takes no report at all', () => {
  const e = expectedOutcome('refused', 'enqueued_failed', ['sent', 'delivered', 'read']);
  assert.equal(e.status, 'refused');
  assert.deepEqual([...e.events], ['enqueued_failed']);
});

test('shuffledWithDuplicates keeps every item at least once and at most maxCopies times', () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let i = 0; i < 200; i++) {
    const out = shuffledWithDuplicates(['a', 'b', 'c'], rand, 3);
    for (const x of ['a', 'b', 'c']) {
      const n = out.filter((y) => y === x).length;
      assert.ok(n >= 1 && n <= 3, `${x} ×${n}`);
    }
  }
});
