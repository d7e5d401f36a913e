import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickFitting, SlidingWindowLimiter } from './rate-limiter.js';

/** Drives the limiter on a simulated clock with a backlog; returns the send times and weights. */
function simulate(limit: number, weights: number[], lookahead = 8, windowMs = 1000) {
  const limiter = new SlidingWindowLimiter(limit, windowMs);
  const sends: { t: number; w: number }[] = [];
  const queue = [...weights];
  let now = 0;
  while (queue.length > 0) {
    const pick = pickFitting(limiter, queue, now, lookahead);
    if ('waitMs' in pick) {
      now += pick.waitMs;
      continue;
    }
    const w = queue.splice(pick.index, 1)[0]!;
    sends.push({ t: now, w });
    limiter.finish(w, now);
  }
  return sends;
}

/**
 * Sends with network latency, on an event-driven simulated clock: each request arrives at the
 * provider at a random moment between its start and its answer. Returns the arrival times.
 */
function simulateWithLatency(limit: number, weights: number[], latency: () => number, arrivalShare: () => number) {
  const limiter = new SlidingWindowLimiter(limit);
  const arrivals: { t: number; w: number }[] = [];
  const queue = [...weights];
  const pending: { at: number; w: number }[] = [];
  let now = 0;
  while (queue.length > 0 || pending.length > 0) {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length && pending[0]!.at <= now) limiter.finish(pending[0]!.w, pending.shift()!.at);
    if (queue.length === 0) {
      if (pending.length > 0) now = pending[0]!.at;
      continue;
    }
    const pick = pickFitting(limiter, queue, now);
    if ('waitMs' in pick) {
      now = Math.min(now + pick.waitMs, pending[0]?.at ?? Infinity);
      continue;
    }
    const w = queue.splice(pick.index, 1)[0]!;
    const l = latency();
    arrivals.push({ t: now + l * arrivalShare(), w });
    pending.push({ at: now + l, w });
  }
  return arrivals.sort((a, b) => a.t - b.t);
}

function maxInAnyWindow(sends: { t: number; w: number }[], windowMs = 1000): number {
  let max = 0;
  let sum = 0;
  let start = 0;
  for (let i = 0; i < sends.length; i++) {
    sum += sends[i]!.w;
    while (sends[i]!.t - sends[start]!.t >= windowMs) sum -= sends[start++]!.w;
    max = Math.max(max, sum);
  }
  return max;
}

for (const limit of [3, 10, 100, 1000]) {
  test(`never more than ${limit} parts in any 1 s window, and at least 97% used with a backlog`, () => {
    // Mixed 1-3 part messages, deterministic.
    const weights = Array.from({ length: limit * 20 }, (_, i) => 1 + ((i * 7) % 3));
    const sends = simulate(limit, weights);
    assert.ok(maxInAnyWindow(sends) <= limit, `max ${maxInAnyWindow(sends)} > ${limit}`);
    // Parts sent before the last send, over the time they took.
    const total = weights.reduce((a, b) => a + b, 0) - sends[sends.length - 1]!.w;
    const duration = (sends[sends.length - 1]!.t - sends[0]!.t) / 1000;
    assert.ok(total / duration >= limit * 0.97, `used ${(total / duration).toFixed(1)} of ${limit}/s`);
  });
}

test('strictly in order, heavy messages waste room at low limits; looking ahead recovers it', () => {
  const weights = Array.from({ length: 300 }, (_, i) => 1 + ((i * 7) % 3));
  const rate = (sends: { t: number; w: number }[]) => (weights.reduce((a, b) => a + b, 0) - sends.at(-1)!.w) / ((sends.at(-1)!.t - sends[0]!.t) / 1000);
  assert.ok(rate(simulate(10, weights, 1)) < 9.5);
  assert.ok(rate(simulate(10, weights, 8)) >= 9.7);
});

test('network latency never pushes a window of arrivals at the provider over the limit', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const weights = Array.from({ length: 2000 }, () => 1 + Math.floor(random() * 3));
  // Mostly fast, sometimes slow (a new connection, a provider hiccup).
  const arrivals = simulateWithLatency(100, weights, () => (random() < 0.1 ? 50 + random() * 400 : 1 + random() * 10), random);
  assert.ok(maxInAnyWindow(arrivals) <= 100, `max ${maxInAnyWindow(arrivals)}`);
});

test('a message heavier than the limit still goes, alone in its window', () => {
  const sends = simulate(2, [3, 1, 3], 1);
  assert.equal(sends.length, 3);
  assert.ok(sends[1]!.t - sends[0]!.t >= 1000);
});

test('waits are computed, not polled: tells how long until room frees up', () => {
  const limiter = new SlidingWindowLimiter(2, 1000);
  assert.equal(limiter.tryAcquire(1, 0), 0);
  assert.equal(limiter.tryAcquire(1, 100), 0);
  // Both sends are still in flight: only polling can tell when they end.
  assert.equal(limiter.tryAcquire(1, 150), 5);
  limiter.finish(1, 120);
  limiter.finish(1, 130);
  // Room frees up a window after the first send finished.
  const wait = limiter.tryAcquire(1, 200);
  assert.equal(wait, 921);
  assert.equal(limiter.tryAcquire(1, 200 + wait), 0);
});

/** How many 1-part sends the limiter lets through at `now`. */
function grants(limiter: SlidingWindowLimiter, now: number): number {
  let n = 0;
  while (limiter.tryAcquire(1, now) === 0) n++;
  return n;
}

const limitChanges: { name: string; from: number; to: number; finished: [t: number, w: number][]; inFlight: number[]; now: number; granted: number }[] = [
  { name: '20→25 with 20 sent this window: 5 more, not 25', from: 20, to: 25, finished: [[0, 10], [100, 10]], inFlight: [], now: 500, granted: 5 },
  { name: '20→10 with 20 sent this window: none until they leave it', from: 20, to: 10, finished: [[0, 10], [100, 10]], inFlight: [], now: 500, granted: 0 },
  { name: '20→10 once the first 10 left the window: still none', from: 20, to: 10, finished: [[0, 10], [100, 10]], inFlight: [], now: 1001, granted: 0 },
  { name: '20→10 once all left the window: the new limit', from: 20, to: 10, finished: [[0, 10], [100, 10]], inFlight: [], now: 1101, granted: 10 },
  { name: '20→25 with 10 still in flight: 15 more', from: 20, to: 25, finished: [], inFlight: [4, 6], now: 50, granted: 15 },
  { name: '10→20 with 5 sent and 3 in flight: 12 more', from: 10, to: 20, finished: [[300, 5]], inFlight: [3], now: 900, granted: 12 },
  { name: '20→25 with nothing in the window: the new limit', from: 20, to: 25, finished: [[0, 20]], inFlight: [], now: 1000, granted: 25 },
];

for (const c of limitChanges) {
  test(`a new rate limit keeps the window: ${c.name}`, () => {
    const old = new SlidingWindowLimiter(c.from, 1000);
    for (const [t, w] of c.finished) {
      assert.equal(old.tryAcquire(w, t), 0);
      old.finish(w, t);
    }
    for (const w of c.inFlight) assert.equal(old.tryAcquire(w, c.now), 0);
    const next = old.withLimit(c.to);
    assert.equal(next.limit, c.to);
    assert.equal(grants(next, c.now), c.granted);
  });
}

test('a send in flight at a limit change finishes on the old limiter and counts once on the new', () => {
  const old = new SlidingWindowLimiter(10, 1000);
  assert.equal(old.tryAcquire(5, 0), 0);
  const next = old.withLimit(10);
  assert.equal(grants(next, 10), 5);
  // The old sender's send finishes after the switch; the new one's five are still in flight.
  old.finish(5, 100);
  assert.equal(next.tryAcquire(1, 200), 901, 'the old send is in the window, and counted once');
  for (let i = 0; i < 5; i++) next.finish(1, 300);
  assert.equal(next.tryAcquire(1, 400), 701, 'room when the old send leaves the window');
  assert.equal(grants(next, 1101), 5, 'the old send gone, the new ones still in the window');
});

test('a backlog across a rate limit change: no window holds more than the higher limit, none after it more than the new', () => {
  for (const [from, to] of [[20, 25], [20, 10], [10, 20]] as const) {
    let limiter = new SlidingWindowLimiter(from, 1000);
    const sends: { t: number; w: number }[] = [];
    const switchAt = 2500;
    const queue = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7) % 3));
    for (let now = 0; queue.length > 0 && now < 6000; ) {
      if (now >= switchAt && limiter.limit === from) limiter = limiter.withLimit(to);
      const pick = pickFitting(limiter, queue, now);
      if ('waitMs' in pick) {
        now = limiter.limit === from ? Math.min(now + pick.waitMs, switchAt) : now + pick.waitMs;
        continue;
      }
      const w = queue.splice(pick.index, 1)[0]!;
      sends.push({ t: now, w });
      limiter.finish(w, now);
    }
    assert.ok(maxInAnyWindow(sends) <= Math.max(from, to), `${from}→${to}: ${maxInAnyWindow(sends)} parts in one window`);
    assert.ok(maxInAnyWindow(sends.filter((s) => s.t >= switchAt)) <= to, `${from}→${to}: after the change`);
  }
});
