// Which stored receipts the processor takes next. The store is the truth (a receipt is pending
// until processing marks it), but reading every receipt back costs about as much as processing
// it; the receipts this process has just stored are handed over in memory instead. The store is
// scanned whenever memory may not hold every pending receipt: at start, after memory overflowed
// or a batch failed, and when receipts deferred for a later try fall due.
import type { DB } from '../store/db.js';
import * as receiptStore from '../store/receipts.js';
import type { ReceiptRow } from '../store/receipts.js';

/** Receipts held in memory at most; beyond, the store is scanned. */
const DEFAULT_CAPACITY = 20_000;

export class ReceiptQueue {
  #fresh: ReceiptRow[] = [];
  #sorted = true;
  #scanning = true;
  /** Memory dropped receipts since the last scan started: the next one can't be the last. */
  #overflowed = false;
  /** When the earliest deferred receipt falls due. */
  #nextDue = Infinity;
  /**
   * The newest receipt the last complete scan saw. A receipt is handed over once its flush is
   * done, which can be after a scan already took it from the store: such a one is not new.
   */
  #scannedUpTo = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** A receipt just stored, committed and flushed. */
  add(row: ReceiptRow): void {
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

  /** Nothing to do until another receipt is stored (or the earliest deferred one falls due). */
  idle(now: number): boolean {
    return !this.#scanning && this.#fresh.length === 0 && now < this.#nextDue;
  }

  /** A receipt of a batch was deferred until `until`. */
  deferred(until: number): void {
    this.#nextDue = Math.min(this.#nextDue, until);
  }

  /** A batch failed: what it took from memory is still pending in the store. */
  failed(): void {
    this.#scanning = true;
  }

  /** The next batch, oldest first. `trx` is the transaction the batch is processed in. */
  async take(trx: DB, now: number, limit: number): Promise<ReceiptRow[]> {
    if (!this.#scanning && now < this.#nextDue) {
      if (!this.#sorted) {
        // Flushes may finish out of order, and so the hand-overs.
        this.#fresh.sort((a, b) => a.id - b.id);
        this.#sorted = true;
      }
      return this.#fresh.splice(0, limit);
    }
    this.#overflowed = false;
    // One snapshot (the transaction's) for both: what is stored after it has a higher id.
    const newest = await receiptStore.newestId(trx);
    const batch = await receiptStore.listDue(trx, now, limit);
    if (batch.length < limit && !this.#overflowed) {
      // Every due receipt of the snapshot is in this batch: from now on memory holds the rest.
      this.#scanning = false;
      this.#nextDue = (await receiptStore.nextDeferredAt(trx, now)) ?? Infinity;
      this.#fresh = this.#fresh.filter((r) => r.id > newest);
      this.#scannedUpTo = newest;
    }
    return batch;
  }
}
