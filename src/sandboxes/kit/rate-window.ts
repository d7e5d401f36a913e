// The sandboxes' send limit (Sinch's 429 "too many outstanding requests", Twilio's 20429, the
// Conversation API's RESOURCE_EXHAUSTED): one sliding-window counter for all of them.

/** Sliding window per key (one second by default): `allow` is false once `perSecond` requests are in it. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  /** `perSecond` undefined, zero, negative or not finite: no limit. */
  constructor(
    private readonly perSecond: number | undefined,
    private readonly windowMs = 1000,
  ) {}

  /** Counts a request for `key` unless the window is full. */
  allow(key: string, now = Date.now()): boolean {
    if (this.perSecond === undefined || !(this.perSecond > 0) || !Number.isFinite(this.perSecond)) return true;
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    const allowed = recent.length < this.perSecond;
    if (allowed) recent.push(now);
    this.hits.set(key, recent);
    return allowed;
  }
}
