// Which stored callbacks the processor takes next. The store is the truth (a callback is pending
// until processing marks it), but reading every callback back costs about as much as processing
// it; the callbacks this process has just stored are handed over in memory instead. The store is
// scanned whenever memory may not hold every pending callback: at start, after memory overflowed
// or a batch failed, and when callbacks deferred for a later try fall due.
import type { DB } from '../store/db.js';
import * as callbackStore from '../store/callbacks.js';
import type { CallbackRow } from '../store/callbacks.js';

/** Callbacks held in memory at most; beyond, the store is scanned. */
const DEFAULT_CAPACITY = 20_000;

export class CallbackQueue {
  #fresh: CallbackRow[] = [];
  #sorted = true;
  #scanning = true;
  /** Memory dropped callbacks since the last scan started: the next one can't be the last. */
  #overflowed = false;
  /** When the earliest deferred callback falls due. */
  #nextDue = Infinity;
  /**
   * The newest callback the last complete scan saw. A callback is handed over once its flush is
   * done, which can be after a scan already took it from the store: such a one is not new.
   */
  #scannedUpTo = 0;

  /** When the last scan started (see `rescanMs`). */
  #lastScan = 0;

  constructor(
    private readonly capacity = DEFAULT_CAPACITY,
    /**
     * With other processes on the store (PostgreSQL), how often the store is scanned anyway (ms):
     * what a process stored and died before processing is pending there, known to no memory.
     */
    private readonly rescanMs: number | null = null,
  ) {}

  #rescanDue(now: number): boolean {
    return this.rescanMs !== null && now - this.#lastScan >= this.rescanMs;
  }

  /** A callback just stored, committed and flushed. */
  add(row: CallbackRow): void {
    if (row.id <= this.#scannedUpTo) return;
    const last = this.#fresh[this.#fresh.length - 1];
    if (last && last.id > row.id) this.#sorted = false;
    this.#fresh.push(row);
    if (this.#fresh.length > this.capacity) {
      this.#fresh = [];
      this.#sorted = true;
      this.#scanning = true;
      this.#overflowed = true;
    }
  }

  /** Nothing to do until another callback is stored (or the earliest deferred one falls due). */
  idle(now: number): boolean {
    return !this.#scanning && this.#fresh.length === 0 && now < this.#nextDue && !this.#rescanDue(now);
  }

  /** A callback of a batch was deferred until `until`. */
  deferred(until: number): void {
    this.#nextDue = Math.min(this.#nextDue, until);
  }

  /** A batch failed: what it took from memory is still pending in the store. */
  failed(): void {
    this.#scanning = true;
  }

  /** The next batch, oldest first. `trx` is the transaction the batch is processed in. */
  async take(trx: DB, now: number, limit: number): Promise<CallbackRow[]> {
    if (!this.#scanning && now < this.#nextDue && !this.#rescanDue(now)) {
      if (!this.#sorted) {
        // Flushes may finish out of order, and so the hand-overs.
        this.#fresh.sort((a, b) => a.id - b.id);
        this.#sorted = true;
      }
      const batch = this.#fresh.splice(0, limit);
      if (this.rescanMs === null) return batch;
      // Shared: another process's scan may have taken some of them.
      const mine = await callbackStore.lockPending(trx, batch.map((r) => r.id));
      return batch.filter((r) => mine.has(r.id));
    }
    this.#overflowed = false;
    this.#lastScan = now;
    // One snapshot (the transaction's) for both: what is stored after it has a higher id.
    const newest = await callbackStore.newestId(trx);
    const batch = await callbackStore.listDue(trx, now, limit);
    if (batch.length < limit && !this.#overflowed) {
      // Every due callback of the snapshot is in this batch: from now on memory holds the rest.
      this.#scanning = false;
      this.#nextDue = (await callbackStore.nextDeferredAt(trx, now)) ?? Infinity;
      this.#fresh = this.#fresh.filter((r) => r.id > newest);
      this.#scannedUpTo = newest;
    }
    return batch;
  }
}
