// Timers and in-flight work of the sandbox, so tests can wait for quiet (`idle()`) and
// `close()` drops everything still scheduled.

export interface Scheduled {
  cancel(): void;
}

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  /** Runs `fn` after `ms`; its work counts as pending until it settles. Errors are dropped. */
  after(ms: number, fn: () => unknown): Scheduled {
    if (this.closed) return { cancel: () => {} };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.track(Promise.resolve().then(fn)).catch(() => {});
    }, Math.max(0, ms));
    this.timers.add(timer);
    return {
      cancel: () => {
        if (!this.timers.delete(timer)) return;
        clearTimeout(timer);
        this.wake();
      },
    };
  }

  /** Counts `work` as pending until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    const settle = () => {
      this.inFlight -= 1;
      this.wake();
    };
    work.then(settle, settle);
    return work;
  }

  idle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wake();
  }

  private pending(): number {
    return this.timers.size + this.inFlight;
  }

  private wake(): void {
    if (this.pending() > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Sliding one-second window per key: `allow` is false once `perSecond` requests are in it. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly perSecond: number | undefined) {}

  allow(key: string, now = Date.now()): boolean {
    if (this.perSecond === undefined || !(this.perSecond > 0) || !Number.isFinite(this.perSecond)) return true;
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < 1000);
    const allowed = recent.length < this.perSecond;
    if (allowed) recent.push(now);
    this.hits.set(key, recent);
    return allowed;
  }
}

/** Appends to a log kept to its newest `limit` entries; returns what was dropped. */
export function appendBounded<T>(log: T[], entry: T, limit: number): T[] {
  log.push(entry);
  return log.length > limit ? log.splice(0, log.length - limit) : [];
}
