import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInLimiter } from './sign-in-limiter.js';

test('a client is blocked after maxFailures in the window, until the window that its first failure opened ends', () => {
  let now = 1_000_000;
  const l = new SignInLimiter({ maxFailures: 3, windowMs: 60_000, maxClients: 100 }, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(l.blockedFor('a'), 0);
    l.recordFailure('a');
    now += 1000;
  }
  assert.equal(l.blockedFor('a'), 57, 'seconds left of the window opened at the first failure');
  assert.equal(l.blockedFor('b'), 0, 'another client is not affected');
  now += 56_500;
  assert.equal(l.blockedFor('a'), 1, 'rounded up, never 0 while blocked');
  now += 500;
  assert.equal(l.blockedFor('a'), 0, 'a new window');
  l.recordFailure('a');
  assert.equal(l.blockedFor('a'), 0, 'one failure in the new window');
});

test('memory is bounded: past maxClients the least recently failing client is forgotten', () => {
  const l = new SignInLimiter({ maxFailures: 2, windowMs: 60_000, maxClients: 3 });
  for (let i = 0; i < 1000; i++) l.recordFailure(`10.0.${Math.floor(i / 256)}.${i % 256}`);
  assert.equal(l.size, 3);
  l.recordFailure('x');
  l.recordFailure('x');
  assert.ok(l.blockedFor('x') > 0);
});
