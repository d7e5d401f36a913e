// A sliding-window limiter weighted by message parts. A token bucket lets a full bucket plus a
// second of refill through in one window (up to twice the limit); keeping the log of the last
// window's sends instead guarantees no one-second window ever holds more than the limit.

export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  // Parallel ring of send times and their weights, oldest first.
  #times: number[] = [];
  #weights: number[] = [];
  #head = 0;
  #sum = 0;

  /**
   * @param limit parts allowed per window
   * @param windowMs the window; slightly above 1000 ms absorbs network jitter between our clock
   *   and the provider's, at the cost of that fraction of throughput
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
      this.#sum -= this.#weights[this.#head]!;
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
   * Takes `weight` parts now if the window allows it and returns 0, or returns how many ms to
   * wait before asking again. A message heavier than the whole limit goes alone in an empty window.
   */
  tryAcquire(weight: number, now: number): number {
    this.#expire(now);
    const fits = this.#sum + weight <= this.#limit || this.#sum === 0;
    if (fits) {
      this.#times.push(now);
      this.#weights.push(weight);
      this.#sum += weight;
      return 0;
    }
    // Find the earliest time enough of the window has expired.
    let freed = this.#sum;
    for (let i = this.#head; i < this.#times.length; i++) {
      freed -= this.#weights[i]!;
      if (freed + weight <= this.#limit || freed === 0) {
        return Math.max(1, this.#times[i]! + this.#windowMs - now + 1);
      }
    }
    return this.#windowMs;
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
