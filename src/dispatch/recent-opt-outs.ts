// Opt-outs of the last minute, which a sender screens what it takes in against.
import type { Channel } from '../core/status.js';
import type { MessagesTable } from '../store/schema.js';

/**
 * Customers who opted out of a channel in the last minute, and when. A message created before
 * the opt-out (other than a keyword's own reply) must not go out; one created after it passed
 * the consent check itself, against the opt-out or a later opt-in.
 */
export class RecentOptOuts {
  readonly #at = new Map<string, number>();

  constructor(private readonly keepMs = 60_000) {}

  get size(): number {
    return this.#at.size;
  }

  add(customerRef: string, channel: Channel, at: number): void {
    const key = `${customerRef}\n${channel}`;
    this.#at.delete(key);
    this.#at.set(key, at);
    // Oldest first: forget what is past keeping.
    for (const [k, t] of this.#at) {
      if (t > at - this.keepMs) break;
      this.#at.delete(k);
    }
  }

  covers(m: MessagesTable): boolean {
    if (m.auto_reply === 1) return false;
    const at = this.#at.get(`${m.customer_ref}\n${m.channel}`);
    return at !== undefined && m.created_at <= at && Date.now() - at < this.keepMs;
  }
}

