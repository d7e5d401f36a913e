import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendBounded } from './history.js';
import { SlidingWindowLimiter } from './rate-window.js';
import { Scheduler } from './scheduler.js';

test('Scheduler: timers and tracked work count as pending until they settle', async () => {
  const s = new Scheduler();
  const ran: string[] = [];
  s.after(20, () => ran.push('timer'));
  let release!: () => void;
  const work = s.track(new Promise<void>((resolve) => (release = resolve)));
  assert.equal(s.pending, 2);
  let idle = false;
  const quiet = s.idle().then(() => (idle = true));
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(ran, ['timer']);
  assert.equal(idle, false, 'tracked work still runs');
  release();
  await work;
  await quiet;
  assert.equal(s.pending, 0);
});

test('Scheduler: a failing job is dropped, a cancelled one never runs, close drops the rest', async () => {
  const s = new Scheduler();
  const ran: string[] = [];
  s.after(0, () => {
    throw new Error('dropped');
  });
  s.after(0, () => Promise.reject(new Error('dropped too')));
  s.after(10, () => ran.push('cancelled')).cancel();
  await s.idle();
  s.after(10, () => ran.push('closed'));
  s.close();
  await s.idle();
  s.after(0, () => ran.push('after close')).cancel();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual(ran, []);
  assert.equal(s.pending, 0);
});

test('appendBounded: keeps the newest entries and returns the dropped ones', () => {
  const log = [1, 2];
  assert.deepEqual(appendBounded(log, 3, 3), []);
  assert.deepEqual(appendBounded(log, 4, 3), [1]);
  assert.deepEqual(log, [2, 3, 4]);
  assert.deepEqual(appendBounded(log, 5, 1), [2, 3, 4]);
  assert.deepEqual(log, [5]);
});

test('SlidingWindowLimiter: per key, per second; no limit unless a positive finite number', () => {
  const limiter = new SlidingWindowLimiter(2);
  assert.deepEqual([limiter.allow('a', 0), limiter.allow('a', 100), limiter.allow('a', 200), limiter.allow('b', 200)], [true, true, false, true]);
  assert.equal(limiter.allow('a', 999), false);
  assert.equal(limiter.allow('a', 1000), true, 'the first request left the window');
  for (const perSecond of [undefined, 0, -1, NaN, Infinity]) {
    const open = new SlidingWindowLimiter(perSecond);
    assert.ok(Array.from({ length: 50 }, () => open.allow('a', 0)).every(Boolean), String(perSecond));
  }
  const slow = new SlidingWindowLimiter(1, 5000);
  assert.deepEqual([slow.allow('a', 0), slow.allow('a', 4999), slow.allow('a', 5000)], [true, false, true]);
});
