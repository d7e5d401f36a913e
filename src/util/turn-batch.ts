// Gathers calls into batches: what arrives while the batches in flight are busy goes together into
// the next one. A store that pays a round trip per statement does many small writes in one (a
// group commit by statement rather than by transaction): under load the batches grow by
// themselves, and an idle caller still waits only for its own batch.

export interface TurnBatchOptions {
  /** Batches in flight at once; further calls wait for one of them to finish. */
  inFlight: number;
  /** Items in one batch at most. */
  maxItems: number;
}

interface Entry<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export class TurnBatch<I, O> {
  #waiting: Entry<I, O>[] = [];
  #running = 0;
  #scheduled = false;
  readonly #idle = new Set<() => void>();

  constructor(
    /** Runs one batch; one settled result per item, in the items' order. */
    private readonly run: (items: I[]) => Promise<PromiseSettledResult<O>[]>,
    private readonly options: TurnBatchOptions,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing is waiting or running. */
  async drained(): Promise<void> {
    while (this.#waiting.length > 0 || this.#running > 0) await new Promise<void>((r) => this.#idle.add(r));
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.options.inFlight) return;
    this.#scheduled = true;
    // Let every call of this I/O phase join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#start();
    });
  }

  #start(): void {
    while (this.#running < this.options.inFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.options.maxItems);
      this.#running++;
      void this.#runBatch(batch).finally(() => {
        this.#running--;
        if (this.#waiting.length > 0) this.#schedule();
        else if (this.#running === 0) {
          for (const r of this.#idle) r();
          this.#idle.clear();
        }
      });
    }
  }

  async #runBatch(batch: Entry<I, O>[]): Promise<void> {
    let results: PromiseSettledResult<O>[];
    try {
      results = await this.run(batch.map((e) => e.item));
    } catch (err) {
      for (const e of batch) e.reject(err);
      return;
    }
    batch.forEach((e, i) => {
      const r = results[i];
      if (!r) e.reject(new Error('the batch gave no result for this item'));
      else if (r.status === 'fulfilled') e.resolve(r.value);
      else e.reject(r.reason);
    });
  }
}
