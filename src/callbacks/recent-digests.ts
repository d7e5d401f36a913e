// Content dedup of webhook callbacks: the digests of the most recent callbacks, in memory.
// Providers resend a callback when they did not get a 2xx in time, within seconds to minutes;
// the same bytes again within the window are answered as duplicates without a query. A repeat
// older than the window, or first stored by another hub process on the same store, is recognised
// by the store itself (a unique digest, migration 014) and answered the same way. This memory is
// the fast path.

/** Callbacks remembered; at about 100 bytes each, 20 MB. */
export const DEFAULT_CAPACITY = 200_000;

export class RecentDigests {
  readonly #digests = new Set<string>();
  /** The digests in the order they were added, as a ring: the next slot holds the oldest. */
  readonly #order: (string | undefined)[];
  #next = 0;

  constructor(readonly capacity = DEFAULT_CAPACITY) {
    this.#order = new Array<string | undefined>(capacity);
  }

  get size(): number {
    return this.#digests.size;
  }

  has(digest: string): boolean {
    return this.#digests.has(digest);
  }

  /**
   * Remembers a digest, forgetting the oldest beyond the capacity. One already remembered keeps
   * its place: the writer adds a digest only after storing its callback, which it does only for
   * digests it doesn't remember.
   */
  add(digest: string): void {
    if (this.#digests.has(digest)) return;
    // A ring rather than the Set's own order: taking a Set's first entry walks past every entry
    // deleted before it, and the oldest is deleted on every add.
    const oldest = this.#order[this.#next];
    if (oldest !== undefined) this.#digests.delete(oldest);
    this.#order[this.#next] = digest;
    this.#next = (this.#next + 1) % this.capacity;
    this.#digests.add(digest);
  }
}

/**
 * The key of a callback: the same bytes on the same endpoint for the same `scope` (the integration,
 * or the project for direct-send ingest). Half of the SHA-256 (128 bits) is plenty to tell
 * callbacks apart and halves the memory.
 */
export function callbackDigest(scope: string, bodyHash: string): string {
  return `${scope}\n${bodyHash.slice(0, 32)}`;
}
