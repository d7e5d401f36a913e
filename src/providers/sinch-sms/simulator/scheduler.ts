// Timers and in-flight work of the sandbox, tracked so tests can wait for quiet (`idle()`) and
// `close()` can drop everything still scheduled.

export interface Scheduled {
  cancel(): void;
}

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  /** Runs `fn` after `ms`; until it settles, its work counts as pending. Errors are dropped. */
  after(ms: number, fn: () => unknown): Scheduled {
    if (this.closed) return { cancel: () => {} };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(Promise.resolve().then(fn)).catch(() => {});
    }, Math.max(0, ms));
    this.timers.add(timer);
    return {
      cancel: () => {
        if (this.timers.delete(timer)) {
          clearTimeout(timer);
          this.settle();
        }
      },
    };
  }

  /** Counts `work` as pending until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    work.finally(() => this.done()).catch(() => {});
    return work;
  }

  get pending(): number {
    return this.timers.size + this.inFlight;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.settle();
  }

  private done(): void {
    this.inFlight -= 1;
    this.settle();
  }

  private settle(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
