// A sliding-window limiter weighted by message parts. A token bucket lets a full bucket plus a
// second of refill through in one window (up to twice the limit); keeping the log of the last
// window's sends instead guarantees no one-second window ever holds more than the limit, as the
// provider counts it: a send occupies the window from when it starts until a window after it ends.

export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  // Finished sends, ordered by finish time: parallel arrays from #head on.
  #times: number[] = [];
  #weights: number[] = [];
  #head = 0;
  #finishedSum = 0;
  /** Parts of sends still in flight: they count against every window until they finish. */
  #inFlight = 0;

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

  #expire(now: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head]! <= now - this.#windowMs) {
      this.#finishedSum -= this.#weights[this.#head]!;
      this.#head++;
    }
    // Compact now and then so the arrays don't grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#weights = this.#weights.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Takes `weight` parts if the window allows it and returns 0, or returns how many ms to wait
   * before asking again. A message heavier than the whole limit goes alone in an empty window.
   * Every successful call must be followed by `finish` when the request is over.
   */
  tryAcquire(weight: number, now: number): number {
    this.#expire(now);
    const used = this.#inFlight + this.#finishedSum;
    if (used + weight <= this.#limit || used === 0) {
      this.#inFlight += weight;
      return 0;
    }
    // The earliest time enough finished sends leave the window, if that is enough.
    let remaining = this.#finishedSum;
    for (let i = this.#head; i < this.#times.length; i++) {
      remaining -= this.#weights[i]!;
      const left = this.#inFlight + remaining;
      if (left + weight <= this.#limit || left === 0) return Math.max(1, this.#times[i]! + this.#windowMs - now + 1);
    }
    // Only sends still in flight stand in the way: look again shortly.
    return 5;
  }

  /**
   * Records that a send of `weight` parts is over. The provider received it at some moment up to
   * now, so counting it from now on keeps every window of arrivals at the provider within the
   * limit, whatever the network latency (the cost: a window reopens one latency later).
   */
  finish(weight: number, now: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - weight);
    // Finish times are nearly monotonic: insert from the end.
    let i = this.#times.length;
    while (i > this.#head && this.#times[i - 1]! > now) i--;
    this.#times.splice(i, 0, now);
    this.#weights.splice(i, 0, weight);
    this.#finishedSum += weight;
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
