import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, retryDelay } from './backoff.js';

const policy = { baseMs: 1000, maxMs: 60_000, factor: 2, unconfirmedWaitMs: 0 };

test('the ceiling doubles per attempt up to the maximum (full jitter at random = 1)', () => {
  assert.deepEqual([1, 2, 3, 4, 7, 20].map((a) => backoffDelay(a, policy, () => 1)), [1000, 2000, 4000, 8000, 60_000, 60_000]);
});

test('jitter spreads delays below the ceiling but never to zero', () => {
  assert.equal(backoffDelay(3, policy, () => 0), 100);
  assert.equal(backoffDelay(3, policy, () => 0.5), 2000);
});

test('Retry-After wins only when longer than our own delay', () => {
  assert.equal(retryDelay(1, 30_000, policy, () => 1), 30_000);
  assert.equal(retryDelay(3, 500, policy, () => 1), 4000);
  assert.equal(retryDelay(1, undefined, policy, () => 1), 1000);
});
