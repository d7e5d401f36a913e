// The documented report semantics (docs/events.md, "Order, duplicates and late reports"), written
// from the table there and not from the hub's code, so the permutation part can tell what the hub
// should have made of any order of reports.

export type Canonical = 'sent' | 'delivered' | 'failed' | 'rejected' | 'read';
export type Current = 'enqueued' | 'refused' | Canonical;

/** enqueued < sent < delivered | failed | rejected < read; a refusal is terminal. */
const RANK: Record<Exclude<Current, 'refused'>, number> = { enqueued: 1, sent: 2, delivered: 3, failed: 3, rejected: 3, read: 4 };

export interface Expected {
  /** The status the message ends at. */
  status: Current;
  /** Event statuses the message has, each exactly once (the first, `enqueued` or the refusal, included). */
  events: Set<string>;
}

/**
 * Applies reports in the order the hub stored them. `null` entries are provider words that make
 * no event (Sinch `Queued`, Twilio `queued`, Conversation `SWITCHING_CHANNEL`).
 */
export function expectedOutcome(start: 'enqueued' | 'refused', refusedEvent: string, reports: readonly (Canonical | null)[]): Expected {
  if (start === 'refused') return { status: 'refused', events: new Set([refusedEvent]) };
  let current: Exclude<Current, 'refused'> = 'enqueued';
  const events = new Set<string>(['enqueued']);
  for (const r of reports) {
    if (r === null || r === current) continue; // no event, or a duplicate
    if (RANK[r] > RANK[current]) {
      current = r; // later in the order: moves forward
      events.add(r);
    } else if (RANK[r] < RANK[current]) {
      events.add(r); // earlier, arriving late: recorded once, status stays
    } // same rank, another status: the first final status stands
  }
  return { status: current, events };
}

/** A random reordering of `items` with each item repeated 1–`maxCopies` times. */
export function shuffledWithDuplicates<T>(items: readonly T[], rand: () => number, maxCopies = 3): T[] {
  const out: T[] = [];
  for (const item of items) {
    const copies = 1 + Math.floor(rand() * maxCopies);
    for (let i = 0; i < copies; i++) out.push(item);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
