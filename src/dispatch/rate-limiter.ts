// A sliding-window limiter weighted by message parts. A token bucket lets a full bucket plus a
// second of refill through in one window (up to twice the limit); keeping the log of the last
// window's sends instead guarantees no one-second window ever holds more than the limit, as the
// provider counts it: a send occupies the window from when it starts until a window after it ends.

/** What a limiter has let through within the window: shared by a limiter and its withLimit copies. */
class WindowLog {
  // Finished sends, ordered by finish time: parallel arrays from head on.
  times: number[] = [];
  weights: number[] = [];
  head = 0;
  finishedSum = 0;
  /** Parts of sends still in flight: they count against every window until they finish. */
  inFlight = 0;
}

export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  #log = new WindowLog();

  /**
   * @param limit parts allowed per window
   * @param windowMs the window the provider counts in
   */
  constructor(limit: number, windowMs = 1000) {
    if (!(limit > 0)) throw new RangeError('limit must be positive');
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  get limit(): number {
    return this.#limit;
  }

  /**
   * The same window under a new limit (the integration's rate limit changed): sends made and
   * in flight under the old limit still count, or the change would let a fresh window's worth
   * through on top of them. The history is shared, not copied: a send the old limiter let out
   * may finish on it after the switch and still counts for the new one.
   */
  withLimit(limit: number): SlidingWindowLimiter {
    const next = new SlidingWindowLimiter(limit, this.#windowMs);
    next.#log = this.#log;
    return next;
  }

  #expire(now: number): void {
    const log = this.#log;
    while (log.head < log.times.length && log.times[log.head]! <= now - this.#windowMs) {
      log.finishedSum -= log.weights[log.head]!;
      log.head++;
    }
    // Compact now and then so the arrays don't grow without bound.
    if (log.head > 1024 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.weights = log.weights.slice(log.head);
      log.head = 0;
    }
  }

  /**
   * Takes `weight` parts if the window allows it and returns 0, or returns how many ms to wait
   * before asking again. A message heavier than the whole limit goes alone in an empty window.
   * Every successful call must be followed by `finish` when the request is over.
   */
  tryAcquire(weight: number, now: number): number {
    this.#expire(now);
    const log = this.#log;
    const used = log.inFlight + log.finishedSum;
    if (used + weight <= this.#limit || used === 0) {
      log.inFlight += weight;
      return 0;
    }
    // The earliest time enough finished sends leave the window, if that is enough.
    let remaining = log.finishedSum;
    for (let i = log.head; i < log.times.length; i++) {
      remaining -= log.weights[i]!;
      const left = log.inFlight + remaining;
      if (left + weight <= this.#limit || left === 0) return Math.max(1, log.times[i]! + this.#windowMs - now + 1);
    }
    // Only sends still in flight stand in the way: look again shortly.
    return 5;
  }

  /**
   * Counts the whole window as used from `now`: nothing goes out until one window has passed.
   * For a sender taking over from another process, whose last sends it cannot see.
   */
  occupyWindow(now: number): void {
    this.#expire(now);
    this.#log.inFlight += this.#limit;
    this.finish(this.#limit, now);
  }

  /**
   * Records that a send of `weight` parts is over. The provider received it at some moment up to
   * now, so counting it from now on keeps every window of arrivals at the provider within the
   * limit, whatever the network latency (the cost: a window reopens one latency later).
   */
  finish(weight: number, now: number): void {
    const log = this.#log;
    log.inFlight = Math.max(0, log.inFlight - weight);
    // Finish times are nearly monotonic: insert from the end.
    let i = log.times.length;
    while (i > log.head && log.times[i - 1]! > now) i--;
    log.times.splice(i, 0, now);
    log.weights.splice(i, 0, weight);
    log.finishedSum += weight;
  }
}

/** How many queued messages the dispatcher looks past the head of its queue. */
export const LOOKAHEAD = 8;

/**
 * Picks the first of the next few messages whose parts fit the window now, and takes its parts.
 * Looking a little past the head matters at low limits: strictly in order, a 3-part message
 * waiting for room would leave 1-2 parts of every window unused (about 10% at 10 parts/s).
 */
export function pickFitting(limiter: SlidingWindowLimiter, weights: readonly number[], now: number, lookahead = LOOKAHEAD): { index: number } | { waitMs: number } {
  let waitMs = Infinity;
  const n = Math.min(lookahead, weights.length);
  for (let i = 0; i < n; i++) {
    const wait = limiter.tryAcquire(weights[i]!, now);
    if (wait === 0) return { index: i };
    waitMs = Math.min(waitMs, wait);
  }
  return { waitMs: Number.isFinite(waitMs) ? waitMs : 1 };
}
