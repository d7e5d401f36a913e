// How much each webhook source has waiting to be processed, so the endpoints can refuse more
// (429) before storing anything once a source is far behind. Anyone holding a webhook URL or an
// app key could otherwise fill the disk with callbacks that each differ by a byte. Providers
// retry on 429, so nothing acknowledged is lost.
//
// Kept in memory, per process, so the check costs no query: seeded from the store at start,
// raised when a callback is about to be stored, lowered once it is processed (or was not stored
// after all). Another process writing the same store is counted only by a resync (every few
// seconds when the store is shared, see cluster.ts).
import type { CallbackSource } from '../store/schema.js';

/** Which webhook source a callback comes from: an integration's endpoints, or a project's direct-send ingest. */
export function sourceKey(o: { source: CallbackSource; projectId: string; integrationId?: string | null }): string {
  return o.source === 'webhook' ? `webhook:${o.integrationId!}` : `${o.source}:${o.projectId}`;
}

export interface PendingLimits {
  /** Pending callbacks per source at most (0: no limit). */
  count: number;
  /** Their bodies' bytes per source at most (0: no limit). */
  bytes: number;
}

export class PendingCallbacks {
  readonly #bySource = new Map<string, { count: number; bytes: number }>();

  constructor(private readonly limits: PendingLimits = { count: 0, bytes: 0 }) {}

  /** What the source has pending, as counted here. */
  of(key: string): { count: number; bytes: number } {
    return { ...(this.#bySource.get(key) ?? { count: 0, bytes: 0 }) };
  }

  /** Adds what the store holds pending at start. */
  seed(key: string, count: number, bytes: number): void {
    const p = this.#bySource.get(key) ?? { count: 0, bytes: 0 };
    p.count += count;
    p.bytes += bytes;
    this.#bySource.set(key, p);
  }

  /**
   * Replaces every count with what the store holds pending: with other processes on the store,
   * callbacks stored here may be processed there (and the other way round), which no count here
   * sees. Callbacks being stored right now are missed until the next resync: the limits stay bounds.
   */
  resync(totals: readonly { key: string; count: number; bytes: number }[]): void {
    this.#bySource.clear();
    for (const t of totals) this.seed(t.key, t.count, t.bytes);
  }

  /**
   * Counts a callback about to be stored, unless its source is already at a limit. Reserving
   * before the store (not after) keeps callbacks arriving together from all slipping under it.
   * A source at none may still go past by this one callback: the limits bound, they don't split.
   */
  reserve(key: string, bytes: number): boolean {
    const p = this.#bySource.get(key) ?? { count: 0, bytes: 0 };
    if (this.limits.count > 0 && p.count >= this.limits.count) return false;
    if (this.limits.bytes > 0 && p.bytes >= this.limits.bytes) return false;
    p.count++;
    p.bytes += bytes;
    this.#bySource.set(key, p);
    return true;
  }

  /** A callback processed, or reserved and then not stored. */
  release(key: string, bytes: number): void {
    const p = this.#bySource.get(key);
    if (!p) return;
    p.count = Math.max(0, p.count - 1);
    p.bytes = Math.max(0, p.bytes - bytes);
    if (p.count === 0) this.#bySource.delete(key);
  }
}
