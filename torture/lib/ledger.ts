// What was promised, and the check that it was kept. The ledger holds every API call the hub
// answered 2xx (messages accepted, campaign launches accepted); the sandbox's own record holds
// every delivery report the hub answered 2xx and every batch it accepted. After the hub has
// drained, `checkPromises` reads the hub's SQLite file (read-only, the hub never asked to count)
// and lists each promise broken: a message acknowledged and lost or stuck without a reason, a
// report acknowledged and never turned into its event, a status recorded twice or moved back, a
// message sent twice without being marked a possible duplicate.
import { request } from 'undici';
import { openReadOnly } from '../../bench/lib/world.js';

/** The API calls the hub answered 2xx. */
export class Ledger {
  /** Message ids from 202 answers to POST …/messages. */
  readonly messages = new Set<string>();
  /** Campaign id → messages the launch answer said were queued. */
  readonly launches = new Map<string, number>();
}

/** A delivery report the sandbox posted, with the hub's answer: [index, client_reference, Sinch status, HTTP status or null]. */
export type ReportAttempt = [number, string, string, number | null];

/** Reads the sandbox child's record (bench/sandbox-process.ts control server). */
export class SandboxRecord {
  readonly reports: ReportAttempt[] = [];
  #next = 0;

  constructor(readonly controlUrl: string) {}

  /** Fetches the report attempts made since the last call. */
  async refresh(): Promise<void> {
    const res = await request(`${this.controlUrl}/callbacks?since=${this.#next}`);
    const body = (await res.body.json()) as { next: number; callbacks: ReportAttempt[] };
    // One at a time: a full run's attempts outnumber what a spread call can pass as arguments.
    for (const c of body.callbacks) this.reports.push(c);
    this.#next = body.next;
  }

  /** Reports the hub answered 2xx. */
  acknowledged(): ReportAttempt[] {
    return this.reports.filter((r) => r[3] !== null && r[3] >= 200 && r[3] < 300);
  }

  /** Batches the sandbox accepted, per client_reference (our message id). */
  async batchesPerMessage(): Promise<Map<string, number>> {
    const res = await request(`${this.controlUrl}/references`);
    return new Map(Object.entries((await res.body.json()) as Record<string, number>));
  }

  /** True once the sandbox has no report or retry left to send (waits up to `timeoutMs`). */
  async idle(timeoutMs = 1000): Promise<boolean> {
    const res = await request(`${this.controlUrl}/idle?timeoutMs=${timeoutMs}`);
    return ((await res.body.json()) as { idle: boolean }).idle;
  }

  async stats(): Promise<{ batches: number; callbacks: number; requests: number }> {
    const res = await request(`${this.controlUrl}/stats`);
    return (await res.body.json()) as { batches: number; callbacks: number; requests: number };
  }
}

/** Sinch report statuses as the hub records them (docs/events.md); Queued makes no event. */
export const SINCH_TO_EVENT: Record<string, string | undefined> = {
  Dispatched: 'sent',
  Delivered: 'delivered',
  Failed: 'failed',
  Expired: 'failed',
  Deleted: 'failed',
  Unknown: 'failed',
  Cancelled: 'failed',
  Rejected: 'rejected',
  Aborted: 'rejected',
};

/** Forward-only order of event statuses (src/messages/status.ts, in the event vocabulary). */
const EVENT_RANK: Record<string, number> = { enqueued: 1, sent: 2, delivered: 3, failed: 3, rejected: 3, read: 4, enqueue_failed: 5, enqueued_failed: 5 };
const MESSAGE_RANK: Record<string, number> = { pending: 0, accepted: 1, sent: 2, delivered: 3, failed: 3, rejected: 3, read: 4, refused: 5 };
const FINAL = new Set(['delivered', 'failed', 'rejected', 'read', 'refused']);

export interface MessageRow {
  id: string;
  campaign_id: string | null;
  status: string;
  dispatch_state: string;
  attempts: number;
  possible_duplicate: number;
  unconfirmed_since: number | null;
  last_error: string | null;
}

export interface StoreView {
  messages: Map<string, MessageRow>;
  /** message id → event statuses in the order recorded. */
  events: Map<string, string[]>;
  eventCount: number;
  /** Callbacks stored and not yet processed. */
  unprocessed: number;
}

export function readStore(dbPath: string): StoreView {
  const db = openReadOnly(dbPath);
  try {
    // One read transaction, so the three reads see one snapshot: a report the hub applies between
    // them (its status and event commit together) would otherwise show an event whose status the
    // earlier read of messages predates (CI failed so: 'status sent is behind its events').
    return db.transaction(() => readSnapshot(db))();
  } finally {
    db.close();
  }
}

function readSnapshot(db: ReturnType<typeof openReadOnly>): StoreView {
  const messages = new Map<string, MessageRow>();
  for (const m of db
    .prepare('SELECT id, campaign_id, status, dispatch_state, attempts, possible_duplicate, unconfirmed_since, last_error FROM messages')
    .iterate() as Iterable<MessageRow>)
    messages.set(m.id, m);
  const events = new Map<string, string[]>();
  let eventCount = 0;
  for (const e of db.prepare('SELECT message_id, status FROM events WHERE message_id IS NOT NULL ORDER BY id').iterate() as Iterable<{ message_id: string; status: string }>) {
    eventCount++;
    const list = events.get(e.message_id) ?? [];
    list.push(e.status);
    events.set(e.message_id, list);
  }
  const unprocessed = (db.prepare('SELECT count(*) AS n FROM callbacks WHERE processed_at IS NULL').get() as { n: number }).n;
  return { messages, events, eventCount, unprocessed };
}

/** True when the message needs nothing more from the hub: a final status, or accepted and done (reports may still come). */
export function settled(m: MessageRow): boolean {
  return FINAL.has(m.status) || m.dispatch_state === 'done' || m.dispatch_state === 'cancelled';
}

export interface PromiseCheck {
  failures: string[];
  /** Acknowledged messages not final but still queued for a retry with a recorded reason. */
  stillRetrying: number;
  /** Acknowledged messages taken by the provider whose last reports the sandbox never got a 2xx for. */
  awaitingReports: number;
  duplicatesSent: number;
  reportsAcknowledged: number;
}

/**
 * Checks every promise against the store. `sentPerMessage` is the sandbox's batch count per
 * message id; `reports` the report attempts the hub answered 2xx.
 */
export function checkPromises(store: StoreView, ledger: Ledger, reports: ReportAttempt[], sentPerMessage: Map<string, number>): PromiseCheck {
  const failures: string[] = [];
  let stillRetrying = 0;
  let awaitingReports = 0;
  const ackedReportsFor = new Map<string, Set<string>>();
  for (const [, ref, status] of reports) {
    const ev = SINCH_TO_EVENT[status];
    if (!ev) continue;
    const set = ackedReportsFor.get(ref) ?? new Set<string>();
    set.add(ev);
    ackedReportsFor.set(ref, set);
  }

  // Every acknowledged message exists, and is final or waits for something with a reason.
  for (const id of ledger.messages) {
    const m = store.messages.get(id);
    if (!m) {
      failures.push(`message ${id} was acknowledged (202) but is not in the store`);
      continue;
    }
    if (FINAL.has(m.status)) continue;
    if (m.dispatch_state === 'queued' || m.dispatch_state === 'sending') {
      if (m.last_error !== null || m.unconfirmed_since !== null) stillRetrying++;
      else failures.push(`message ${id} acknowledged, still ${m.dispatch_state} (status ${m.status}, ${m.attempts} attempt(s)) with no error and no unknown outcome recorded`);
      continue;
    }
    // Taken by the provider: it stays short of final only while its reports have not been acknowledged.
    const acked = ackedReportsFor.get(id);
    if (acked && [...acked].some((s) => (EVENT_RANK[s] ?? 0) > (MESSAGE_RANK[m.status] ?? 0))) continue; // reported below
    awaitingReports++;
  }

  // Acknowledged launches queued what they said.
  const perCampaign = new Map<string, number>();
  for (const m of store.messages.values()) if (m.campaign_id) perCampaign.set(m.campaign_id, (perCampaign.get(m.campaign_id) ?? 0) + 1);
  for (const [cid, queued] of ledger.launches) {
    const n = perCampaign.get(cid) ?? 0;
    if (n !== queued) failures.push(`campaign ${cid}: launch acknowledged with ${queued} queued, the store holds ${n} of its messages`);
  }

  // Every acknowledged report became its event (or lost to an earlier final status of the same rank).
  let reportsAcknowledged = 0;
  for (const [ref, statuses] of ackedReportsFor) {
    for (const s of statuses) {
      reportsAcknowledged++;
      const events = store.events.get(ref) ?? [];
      if (events.includes(s)) continue;
      if (EVENT_RANK[s] === 3 && events.some((e) => EVENT_RANK[e] === 3)) continue;
      failures.push(`report ${s} for message ${ref} was acknowledged (2xx) but no such event exists (events: ${events.join(', ') || 'none'})`);
    }
  }

  // Each status once; the current status never behind the events.
  for (const [id, events] of store.events) {
    const seen = new Set<string>();
    for (const s of events) {
      if (seen.has(s)) failures.push(`message ${id}: event ${s} recorded twice (${events.join(', ')})`);
      seen.add(s);
    }
    const m = store.messages.get(id);
    if (!m) continue;
    const top = Math.max(...events.map((s) => (s === 'enqueue_failed' || s === 'enqueued_failed' ? 0 : (EVENT_RANK[s] ?? 0))));
    if ((MESSAGE_RANK[m.status] ?? 0) < top) failures.push(`message ${id}: status ${m.status} is behind its events (${events.join(', ')})`);
  }

  // Sent twice only when marked.
  let duplicatesSent = 0;
  for (const [id, n] of sentPerMessage) {
    if (n < 2) continue;
    duplicatesSent++;
    const m = store.messages.get(id);
    if (m && !m.possible_duplicate) failures.push(`message ${id} reached the provider ${n} times but is not marked possible_duplicate`);
  }
  return { failures, stillRetrying, awaitingReports, duplicatesSent, reportsAcknowledged };
}
