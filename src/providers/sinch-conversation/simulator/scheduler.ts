// Timers and in-flight work of the sandbox, counted so tests can wait for quiet (`idle()`) and
// `close()` can drop whatever is still scheduled.

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  /** Runs `fn` after `ms`; its work counts as pending until it settles. Errors are dropped. */
  after(ms: number, fn: () => unknown): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(Promise.resolve().then(fn)).catch(() => {});
    }, Math.max(0, ms));
    this.timers.add(timer);
  }

  /** Counts `work` as pending until it settles, and returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running += 1;
    work
      .finally(() => {
        this.running -= 1;
        this.wake();
      })
      .catch(() => {});
    return work;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get pending(): number {
    return this.timers.size + this.running;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.wake();
  }

  private wake(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
