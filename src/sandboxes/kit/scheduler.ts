// Timers and in-flight work of a sandbox, shared by every provider's simulator: tracked so tests
// can wait for quiet (`idle()`) and `close()` can drop everything still scheduled.

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
      this.track(Promise.resolve().then(fn)).catch(() => {});
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

  /** Counts `work` as pending until it settles, and returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    work
      .finally(() => {
        this.inFlight -= 1;
        this.wake();
      })
      .catch(() => {});
    return work;
  }

  /** Timers waiting and work in flight. */
  get pending(): number {
    return this.timers.size + this.inFlight;
  }

  /** Resolves once nothing is scheduled or in flight. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops every timer; later `after` calls do nothing. Work in flight still settles. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wake();
  }

  private wake(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
