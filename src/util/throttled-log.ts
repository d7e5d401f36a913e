// Warnings that a hostile client can trigger at will (refused webhooks) must not become a flood of
// log lines: one line per key per interval, the next one saying how many were left out. The
// metrics count every one.

export class ThrottledLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    /** Keys remembered at most; beyond it the oldest are forgotten (their next line is logged). */
    private readonly maxKeys = 10_000,
  ) {}

  /**
   * Whether to log a line for `key` now: null to stay silent, else how many lines for this key
   * were left out since the last one logged.
   */
  admit(key: string, now = Date.now()): number | null {
    const seen = this.#last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return null;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.#last.delete(key);
    if (this.#last.size >= this.maxKeys) this.#last.delete(this.#last.keys().next().value!);
    this.#last.set(key, { at: now, suppressed: 0 });
    return suppressed;
  }
}
