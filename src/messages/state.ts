// Where a message's status changes: its send outcome (accepted, retry, refused), the reports
// that move it on, and a restart that may have interrupted its send. Each change is written
// with the event it makes, in the caller's transaction.
import type { EventNameSettings, ProviderOutcome } from '../core/events.js';
import { withinReportWindow } from '../core/status.js';
import type { DeliveryStatus } from '../core/status.js';
import type { SendResult, StatusUpdate } from '../providers/types.js';
import type { DB } from '../store/db.js';
import * as messageStore from '../store/messages.js';
import type { UpdateOutcome } from '../store/callbacks.js';
import type { MessagesTable } from '../store/schema.js';
import { retryDelay, type BackoffPolicy } from './backoff.js';
import { recordMessageEvent } from './events.js';
import { queueFallback } from './fallback-queue.js';
import { eventStatus, transition } from './status.js';

/** What a send attempt did to its message. */
export type SendTransition = 'accepted' | 'retry' | 'refused';

/**
 * A send attempt's result, or what the sender found instead of sending:
 * - `expired`: the message's deadline passed before a retry could go, so no request was made
 *   (a retry after the deadline would be a send the sender was told to give up on);
 * - `confirmed`: asked after an attempt whose outcome was unknown, the provider showed it has
 *   the message (our reference on it), so it is not sent again;
 * - `unconfirmed`: asked, the provider could not say (the lookup itself failed): ask again later.
 */
export type SendAttemptResult =
  | SendResult
  | { kind: 'expired' }
  | { kind: 'confirmed'; providerMessageId: string | null }
  | { kind: 'unconfirmed'; error: string; comment: string };

/** The error a message refused at its deadline is recorded with: its last attempt's, if any. */
function expiredOutcome(m: MessagesTable): ProviderOutcome {
  if (m.last_error !== null) {
    try {
      const last = JSON.parse(m.last_error) as ProviderOutcome;
      if (typeof last.error === 'string') return { status_code: last.status_code ?? null, error: last.error, comment: last.comment ?? '' };
    } catch {
      // Not a send outcome: fall through to the deadline itself.
    }
  }
  return { status_code: null, error: 'deadline_exceeded', comment: 'the retry deadline passed before the message could be sent' };
}

/**
 * Records a send attempt's result: the provider took the message; or it may take it later
 * (retried with backoff until the message's deadline); or it never will; or nobody knows (a
 * timeout after the request was written: retried, but first given time for a report to prove
 * acceptance); or the deadline passed before the attempt (refused, unsent). Accepted and refused
 * make an event. A refusal after an unknown outcome keeps `unconfirmed_since`, so a later report
 * proving the provider took the message still counts (ReportBatch).
 */
export async function recordSendResult(
  trx: DB,
  m: MessagesTable,
  result: SendAttemptResult,
  /** Microseconds since the epoch when the request went out. */
  sentAtUs: number,
  settings: EventNameSettings,
  backoff: BackoffPolicy,
  now = Date.now(),
): Promise<SendTransition> {
  if (result.kind === 'confirmed') {
    // The unanswered attempt was the one the provider took: it was counted when it ended.
    const since = m.unconfirmed_since ?? Math.floor(sentAtUs / 1000);
    await messageStore.markAccepted(trx, { id: m.id, provider_message_id: result.providerMessageId, sent_at_us: since * 1000, parts: m.parts, attempts: m.attempts, updated_at: now });
    const accepted = { ...m, provider_message_id: result.providerMessageId, sent_at_us: since * 1000 };
    await recordMessageEvent(trx, accepted, eventStatus('accepted', m.channel), settings, { timestamp: since, once: true });
    return 'accepted';
  }
  if (result.kind === 'expired' || result.kind === 'unconfirmed') {
    // No request went out: no attempt counted, no send time.
    if (result.kind === 'unconfirmed') {
      const delay = Math.max(retryDelay(m.attempts, undefined, backoff), backoff.unconfirmedWaitMs);
      if (now + delay < m.deadline_at) {
        await messageStore.markRetry(trx, { id: m.id, next_attempt_at: now + delay, attempts: m.attempts, unconfirmed_since: m.unconfirmed_since, last_error: m.last_error, updated_at: now });
        return 'retry';
      }
    }
    const outcome = expiredOutcome(m);
    await messageStore.markRefused(trx, { id: m.id, attempts: m.attempts, sent_at_us: m.sent_at_us, unconfirmed_since: m.unconfirmed_since, last_error: JSON.stringify(outcome), updated_at: now });
    await recordMessageEvent(trx, m, eventStatus('refused', m.channel), settings, { timestamp: now, outcome, once: true });
    return 'refused';
  }
  const attempts = m.attempts + 1;
  const timestamp = Math.floor(sentAtUs / 1000);
  if (result.kind === 'accepted') {
    const parts = result.parts ?? m.parts;
    await messageStore.markAccepted(trx, { id: m.id, provider_message_id: result.providerMessageId, sent_at_us: sentAtUs, parts, attempts, updated_at: now });
    const accepted = { ...m, provider_message_id: result.providerMessageId, sent_at_us: sentAtUs, parts };
    await recordMessageEvent(trx, accepted, eventStatus('accepted', m.channel), settings, { timestamp, once: true });
    return 'accepted';
  }
  const outcome = { status_code: result.statusCode, error: result.error, comment: result.comment };
  // Once an attempt's outcome is unknown it stays so until the provider shows it has the message.
  const unconfirmedSince = result.kind === 'unknown' ? (m.unconfirmed_since ?? timestamp) : m.unconfirmed_since;
  if (result.kind === 'retry' || result.kind === 'unknown') {
    const own = retryDelay(attempts, result.kind === 'retry' ? result.retryAfterMs : undefined, backoff);
    const delay = result.kind === 'unknown' ? Math.max(own, backoff.unconfirmedWaitMs) : own;
    if (now + delay < m.deadline_at) {
      await messageStore.markRetry(trx, { id: m.id, next_attempt_at: now + delay, attempts, unconfirmed_since: unconfirmedSince, last_error: JSON.stringify(outcome), updated_at: now });
      return 'retry';
    }
  }
  // Refused, or out of time for retries: as far as the hub can tell, the provider never took it.
  await messageStore.markRefused(trx, { id: m.id, attempts, sent_at_us: sentAtUs, unconfirmed_since: unconfirmedSince, last_error: JSON.stringify(outcome), updated_at: now });
  await recordMessageEvent(trx, { ...m, sent_at_us: sentAtUs }, eventStatus('refused', m.channel), settings, { timestamp, outcome, once: true });
  // Refused because the recipient is not on this channel: the next channel goes out. Its
  // integration's sender finds it on its next look at the store.
  // Not after an attempt whose outcome was unknown: the provider may have taken that one.
  if (result.kind === 'refused' && unconfirmedSince === null) await queueFallback(trx, m, m.status, { kind: 'refused', unreachable: result.unreachable === true }, now);
  return 'refused';
}

/**
 * Puts back on the queue what a dead process had claimed. Those whose request had started may
 * have reached the provider: their outcome is unknown, so the next attempt first looks for
 * proof (a report, or the provider's own record) and a resend is marked a possible duplicate.
 * With `integrationId`, that integration's claims only (see the store's requeueInterrupted).
 * Returns how many.
 */
export function requeueInterrupted(db: DB, now = Date.now(), integrationId?: string): Promise<number> {
  return messageStore.requeueInterrupted(db, now, integrationId);
}

/**
 * Applies the delivery reports of one batch of callbacks. The messages are the batch's own row
 * objects (see the callback processor's lookup): a status applied by one report is seen by the
 * next report about the same message, and each changed status is written once, by flush().
 */
export class ReportBatch {
  readonly #changed = new Map<string, DeliveryStatus>();
  /** Integrations of the fallbacks the batch queued: to be woken once it commits. */
  readonly fallbackIntegrations = new Set<string>();

  constructor(private readonly trx: DB) {}

  /** What the report does to the message: 'defer' when its send outcome isn't written yet. */
  async apply(m: MessagesTable, u: StatusUpdate, receivedAt: number, settings: EventNameSettings): Promise<UpdateOutcome | 'defer'> {
    if (m.unconfirmed_since !== null && (m.dispatch_state === 'queued' || m.status === 'refused')) {
      // The hub never learnt whether the provider took it; this report proves it did.
      const confirmed = await this.#confirm(m, u, receivedAt, settings);
      if (confirmed !== 'confirmed') return confirmed;
    }
    // A report can overtake its send's outcome: wait for it, so the event carries
    // sent_timestamp and `enqueued` comes first.
    if (m.sent_at_us === null) return m.dispatch_state === 'queued' || m.dispatch_state === 'sending' ? 'defer' : 'unmatched';
    if (!withinReportWindow(m.sent_at_us / 1000, receivedAt)) return 'outside_window';
    const t = transition(m.status, u.status);
    if (t.kind === 'ignore') return t.reason;
    const inserted = await recordMessageEvent(this.trx, m, u.status, settings, {
      timestamp: (u.occurredAt ?? new Date(receivedAt)).getTime(),
      outcome: { status_code: u.statusCode, error: u.error, comment: u.comment },
      once: true,
    });
    if (t.kind === 'advance') {
      const before = m.status;
      m.status = u.status;
      this.#changed.set(m.id, u.status);
      // Decided from the status this batch writes, in its transaction (docs/fallback.md).
      const fallback = await queueFallback(this.trx, m, before, { kind: 'report', status: u.status, unreachable: u.unreachable === true });
      if (fallback) this.fallbackIntegrations.add(fallback.integration_id);
    }
    if (!inserted) return 'duplicate';
    return t.kind === 'advance' ? 'applied' : 'late_event';
  }

  /**
   * Records the acceptance a report proves for a message whose send outcome was unknown: the
   * attempt that went unanswered is the one the provider took. 'defer' while a send of it is
   * under way (its own outcome decides first).
   */
  async #confirm(m: MessagesTable, u: StatusUpdate, receivedAt: number, settings: EventNameSettings): Promise<'confirmed' | 'outside_window' | 'defer'> {
    const since = m.unconfirmed_since!;
    if (!withinReportWindow(since, receivedAt)) return 'outside_window';
    const providerMessageId = u.providerMessageId ?? m.provider_message_id;
    if (!(await messageStore.markConfirmed(this.trx, { id: m.id, provider_message_id: providerMessageId, sent_at_us: since * 1000, updated_at: Date.now() }))) return 'defer';
    Object.assign(m, { status: 'accepted', dispatch_state: 'done', sent_at_us: since * 1000, provider_message_id: providerMessageId, unconfirmed_since: null, claimed_by: null });
    this.#changed.delete(m.id);
    await recordMessageEvent(this.trx, m, eventStatus('accepted', m.channel), settings, { timestamp: since, once: true });
    return 'confirmed';
  }

  /** Writes the statuses the batch changed, one statement per distinct status. */
  async flush(now = Date.now()): Promise<void> {
    const byStatus = new Map<DeliveryStatus, string[]>();
    for (const [id, status] of this.#changed) {
      const ids = byStatus.get(status);
      if (ids) ids.push(id);
      else byStatus.set(status, [id]);
    }
    for (const [status, ids] of byStatus) await messageStore.setStatus(this.trx, status, ids, now);
    this.#changed.clear();
  }
}
