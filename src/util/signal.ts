// A wake-up flag for worker loops: notify() from anywhere, wait() until notified or a timeout.
export class Signal {
  #pending = false;
  #resolve: (() => void) | null = null;

  notify(): void {
    this.#pending = true;
    const r = this.#resolve;
    this.#resolve = null;
    r?.();
  }

  /** Resolves at once if notified since the last wait, else on notify or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#resolve = null;
        resolve();
      }, ms);
      timer.unref?.();
      this.#resolve = () => {
        clearTimeout(timer);
        this.#pending = false;
        resolve();
      };
    });
  }
}
