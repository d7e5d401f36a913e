// Channel fallback decided as pure functions (docs/fallback.md): whether a status change or a
// refusal sends a message's next fallback channel, and which channel that is. Providers only say
// whether a failure means "not reachable on this channel" (`unreachable`); the policy is here.
import type { Channel, DeliveryStatus } from '../core/status.js';
import { transition, type MessageStatus } from './status.js';

/** One channel to try next, resolved when the message was accepted. */
export interface FallbackStep {
  channel: Channel;
  integration_id: string;
  sender: string | null;
  sender_profile_id: string | null;
  /** The integration's retry deadline when the send was accepted: the fallback's own deadline. */
  retry_deadline_seconds: number;
}

/** What a message carries for its fallbacks (stored as JSON in `fallback_plan`). */
export interface FallbackPlan {
  /** In order; each channel differs from the message's and from the others'. */
  steps: FallbackStep[];
  /** The text every fallback sends: the message's text as rendered for the recipient. */
  body: string;
}

/** The channels a message may fall back to: text channels (an MMS fallback would have no media). */
export const FALLBACK_CHANNELS = ['sms', 'whatsapp', 'rcs'] as const satisfies readonly Channel[];

/** What happened to the message: a delivery report, or the provider's refusal of the send. */
export type FailureSignal =
  | { kind: 'report'; status: DeliveryStatus; unreachable: boolean }
  | { kind: 'refused'; unreachable: boolean };

export type FallbackDecision =
  | { kind: 'fallback' }
  | {
      kind: 'none';
      /**
       * not_applied: the report does not move the status (a duplicate, a late or conflicting one:
       * a failed after delivered); not_a_failure: it moves it, but not to failed/rejected;
       * reachable: the reason does not say the recipient is unreachable on the channel;
       * no_fallback: the message names no (more) fallback channels.
       */
      reason: 'not_applied' | 'not_a_failure' | 'reachable' | 'no_fallback';
    };

/**
 * Whether the message falls back, given its status before the signal. Decided from the status
 * that is actually written: only a report that moves the message to failed or rejected (or the
 * refusal of its send) counts, so a failed after delivered, a second failed, or a late sent after
 * failed never falls back. That a message falls back once only is the store's to guarantee
 * (the unique link), since two processes may decide at once.
 */
export function decideFallback(current: MessageStatus, signal: FailureSignal, plan: FallbackPlan | null): FallbackDecision {
  if (signal.kind === 'report') {
    if (transition(current, signal.status).kind !== 'advance') return { kind: 'none', reason: 'not_applied' };
    if (signal.status !== 'failed' && signal.status !== 'rejected') return { kind: 'none', reason: 'not_a_failure' };
  } else if (current === 'refused' || current === 'delivered' || current === 'read') {
    // A refusal is written once, on a message no provider took; never after a delivery.
    return { kind: 'none', reason: 'not_applied' };
  }
  if (!signal.unreachable) return { kind: 'none', reason: 'reachable' };
  if (!plan || plan.steps.length === 0) return { kind: 'none', reason: 'no_fallback' };
  return { kind: 'fallback' };
}

export interface FallbackChoice {
  /** The channel to send, or null when every remaining one was passed over. */
  step: FallbackStep | null;
  /** What stays for the fallback message's own fallback. */
  rest: FallbackStep[];
  /** Channels passed over, and why. */
  skipped: { channel: Channel; reason: 'opted_out' }[];
}

/** The first remaining channel the customer has not opted out of; those before it are passed over. */
export function chooseFallback(steps: readonly FallbackStep[], optedOut: (channel: Channel) => boolean): FallbackChoice {
  const skipped: FallbackChoice['skipped'] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (optedOut(step.channel)) {
      skipped.push({ channel: step.channel, reason: 'opted_out' });
      continue;
    }
    return { step, rest: steps.slice(i + 1), skipped };
  }
  return { step: null, rest: [], skipped };
}

/** A stored plan, or null (none, or unreadable: then no fallback rather than a failed batch). */
export function parsePlan(json: string | null): FallbackPlan | null {
  if (json === null) return null;
  try {
    const p = JSON.parse(json) as FallbackPlan;
    return Array.isArray(p.steps) && typeof p.body === 'string' ? p : null;
  } catch {
    return null;
  }
}
