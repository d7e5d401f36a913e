// Sliding one-second window per service plan. Sinch answers 429 "too many outstanding requests"
// (A.6, A.11); the sandbox does so above a configured number of batches per second.

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly perSecond: number | undefined,
    private readonly windowMs = 1000,
  ) {}

  /** Counts a request for `key` unless the window is full. */
  allow(key: string, now = Date.now()): boolean {
    if (this.perSecond === undefined || this.perSecond <= 0 || !Number.isFinite(this.perSecond)) return true;
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    const allowed = recent.length < this.perSecond;
    if (allowed) recent.push(now);
    this.hits.set(key, recent);
    return allowed;
  }
}
