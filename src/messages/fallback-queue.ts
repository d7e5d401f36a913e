// Queues a message's fallback in the transaction that writes its failure (docs/fallback.md): the
// decision (fallback.ts) is taken from the status being written, and the fallback is a normal
// queued message on the next channel's integration, sent by the dispatcher like any other.
import { newId } from '../core/ids.js';
import { expectsDeliveryReports } from '../core/phone.js';
import { countSegments } from '../core/segments.js';
import * as consentStore from '../store/consents.js';
import type { DB } from '../store/db.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';
import { chooseFallback, decideFallback, parsePlan, type FailureSignal, type FallbackStep } from './fallback.js';
import type { MessageStatus } from './status.js';

/**
 * Queues the fallback of `m` when `signal` calls for one. `before` is the message's status
 * before the signal was applied. Returns the queued message (its integration needs waking), or
 * null: no fallback is due, every remaining channel was passed over, or the message has its
 * fallback already.
 */
export async function queueFallback(trx: DB, m: MessagesTable, before: MessageStatus, signal: FailureSignal, now = Date.now()): Promise<MessagesTable | null> {
  const plan = parsePlan(m.fallback_plan);
  if (decideFallback(before, signal, plan).kind !== 'fallback') return null;
  // Consent is the fallback channel's own: opted out of SMS, no SMS fallback.
  const optedOut = new Set<string>();
  for (const step of plan!.steps) if ((await consentStore.find(trx, m.customer_ref, step.channel)) === true) optedOut.add(step.channel);
  const choice = chooseFallback(plan!.steps, (c) => optedOut.has(c));
  if (choice.skipped.length > 0) await messageStore.setFallbackSkipped(trx, m.id, JSON.stringify(choice.skipped), now);
  if (!choice.step) return null;
  const row = fallbackRow(m, choice.step, { steps: choice.rest, body: plan!.body }, now);
  return (await messageStore.insertFallback(trx, row)) ? row : null;
}

/** The fallback message: the same customer, recipient and text on the step's channel and integration. */
export function fallbackRow(m: MessagesTable, step: FallbackStep, rest: { steps: FallbackStep[]; body: string }, now: number): MessagesTable & { fallback_of: string } {
  const body = rest.body;
  const sms = step.channel === 'sms';
  const segments = sms ? countSegments(body) : null;
  return {
    ...m,
    id: newId('msg'),
    integration_id: step.integration_id,
    channel: step.channel,
    sender: step.sender,
    sender_profile_id: step.sender_profile_id,
    body,
    content: sms ? null : JSON.stringify({ type: 'text', text: body }),
    media: null,
    parts: segments ? segments.parts : 1,
    encoding: segments ? segments.encoding : '',
    status: 'pending',
    dispatch_state: 'queued',
    attempts: 0,
    next_attempt_at: now,
    deadline_at: now + step.retry_deadline_seconds * 1000,
    claimed_by: null,
    possible_duplicate: 0,
    request_started_at: null,
    unconfirmed_since: null,
    provider_message_id: null,
    sent_at_us: null,
    expects_reports: sms ? (expectsDeliveryReports(m.recipient) ? 1 : 0) : 1,
    last_error: null,
    // The key belongs to the request's first message; a second message cannot hold it.
    idempotency_key: null,
    idempotency_fingerprint: null,
    auto_reply: 0,
    fallback_of: m.id,
    fallback_plan: rest.steps.length > 0 ? JSON.stringify(rest) : null,
    fallback_skipped: null,
    fallback_message_id: null,
    created_at: now,
    updated_at: now,
  };
}
