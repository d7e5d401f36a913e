// Content dedup of webhook receipts: the digests of the most recent receipts, in memory.
// Providers resend a callback when they did not get a 2xx in time, within seconds to minutes;
// the same bytes again within the window are answered as duplicates without being stored. A
// repeat older than the window is stored again and changes nothing: processing applies each
// status of a message, and each inbound message, once.

/** Receipts remembered; at about 100 bytes each, 20 MB. */
export const DEFAULT_CAPACITY = 200_000;

export class RecentDigests {
  // A Set iterates in insertion order, so its first entry is the oldest.
  readonly #digests = new Set<string>();

  constructor(readonly capacity = DEFAULT_CAPACITY) {}

  get size(): number {
    return this.#digests.size;
  }

  has(digest: string): boolean {
    return this.#digests.has(digest);
  }

  /** Remembers a digest as the newest, forgetting the oldest beyond the capacity. */
  add(digest: string): void {
    this.#digests.delete(digest);
    this.#digests.add(digest);
    while (this.#digests.size > this.capacity) this.#digests.delete(this.#digests.values().next().value!);
  }
}

/**
 * The key of a receipt: the same bytes on the same route of the same integration. Half of the
 * SHA-256 (128 bits) is plenty to tell receipts apart and halves the memory.
 */
export function receiptDigest(integrationId: string, bodyHash: string): string {
  return `${integrationId}\n${bodyHash.slice(0, 32)}`;
}
