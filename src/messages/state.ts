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
import { eventStatus, transition } from './status.js';

/** What a send attempt did to its message. */
export type SendTransition = 'accepted' | 'retry' | 'refused';

/**
 * A send attempt's result; or `expired`: the message's deadline passed before it could be sent,
 * so the sender made no request (a retry after the deadline would be a send the sender was told
 * to give up on).
 */
export type SendAttemptResult = SendResult | { kind: 'expired' };

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
 * (retried with backoff until the message's deadline); or it never will; or the deadline passed
 * before the attempt (refused, unsent). Accepted and refused make an event.
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
  if (result.kind === 'expired') {
    // Refused as if out of retries, but nothing went out: no attempt counted, no send time.
    const outcome = expiredOutcome(m);
    await messageStore.markRefused(trx, { id: m.id, attempts: m.attempts, sent_at_us: m.sent_at_us, last_error: JSON.stringify(outcome), updated_at: now });
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
  if (result.kind === 'retry') {
    const delay = retryDelay(attempts, result.retryAfterMs, backoff);
    if (now + delay < m.deadline_at) {
      await messageStore.markRetry(trx, { id: m.id, next_attempt_at: now + delay, attempts, last_error: JSON.stringify(outcome), updated_at: now });
      return 'retry';
    }
  }
  // Refused, or out of time for retries: the provider never took it.
  await messageStore.markRefused(trx, { id: m.id, attempts, sent_at_us: sentAtUs, last_error: JSON.stringify(outcome), updated_at: now });
  await recordMessageEvent(trx, { ...m, sent_at_us: sentAtUs }, eventStatus('refused', m.channel), settings, { timestamp, outcome, once: true });
  return 'refused';
}

/**
 * Puts back on the queue what a dead process had claimed. Each is marked a possible duplicate:
 * the provider may have taken it before the process died. Returns how many.
 */
export function requeueInterrupted(db: DB, now = Date.now()): Promise<number> {
  return messageStore.requeueInterrupted(db, now);
}

/**
 * Applies the delivery reports of one batch of callbacks. The messages are the batch's own row
 * objects (see the callback processor's lookup): a status applied by one report is seen by the
 * next report about the same message, and each changed status is written once, by flush().
 */
export class ReportBatch {
  readonly #changed = new Map<string, DeliveryStatus>();

  constructor(private readonly trx: DB) {}

  /** What the report does to the message: 'defer' when its send outcome isn't written yet. */
  async apply(m: MessagesTable, u: StatusUpdate, receivedAt: number, settings: EventNameSettings): Promise<UpdateOutcome | 'defer'> {
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
      m.status = u.status;
      this.#changed.set(m.id, u.status);
    }
    if (!inserted) return 'duplicate';
    return t.kind === 'advance' ? 'applied' : 'late_event';
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
