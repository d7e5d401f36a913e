// A message's own status and the forward-only order between statuses (docs/events.md).
// Internal: events and the API speak the event vocabulary (core/status.ts), translated by
// eventStatus and apiStatus.
import { refusedStatus, type Channel, type DeliveryStatus, type EventStatus } from '../core/status.js';

/**
 * `pending`: no provider has taken it yet; `accepted`: a provider took it; `refused`: no
 * provider will (refused, or out of time for retries); then what delivery reports say.
 */
export type MessageStatus = 'pending' | 'accepted' | 'refused' | DeliveryStatus;

/** accepted < sent < delivered|failed|rejected < read. A refusal is terminal. */
const RANK: Record<MessageStatus, number> = {
  pending: 0,
  accepted: 1,
  sent: 2,
  delivered: 3,
  failed: 3,
  rejected: 3,
  read: 4,
  refused: 5,
};

export function statusRank(status: MessageStatus): number {
  return RANK[status];
}

export type Transition =
  /** Moves the message forward: record the event and update the current status. */
  | { kind: 'advance' }
  /** An earlier status arriving late: record the event once, keep the current status. */
  | { kind: 'late' }
  /** Same status again, or a conflicting final status (delivered after failed): no event. */
  | { kind: 'ignore'; reason: 'duplicate' | 'conflict' | 'terminal' };

/**
 * Decides what a delivery report does to a message whose current status is `current`.
 * Pure: the caller also checks "recorded once" against the events it already holds.
 */
export function transition(current: MessageStatus, next: DeliveryStatus): Transition {
  if (current === 'refused') return { kind: 'ignore', reason: 'terminal' };
  if (current === next) return { kind: 'ignore', reason: 'duplicate' };
  const from = RANK[current];
  const to = RANK[next];
  if (to > from) return { kind: 'advance' };
  if (to === from) return { kind: 'ignore', reason: 'conflict' };
  return { kind: 'late' };
}

/** What an event says for a status the message reached. */
export function eventStatus(status: Exclude<MessageStatus, 'pending'>, channel: Channel): EventStatus {
  if (status === 'accepted') return 'enqueued';
  if (status === 'refused') return refusedStatus(channel);
  return status;
}

/** The status the API shows: the event vocabulary, and `queued` until a provider answers. */
export function apiStatus(status: MessageStatus, channel: Channel): EventStatus | 'queued' {
  return status === 'pending' ? 'queued' : eventStatus(status, channel);
}

/** The statuses `GET …/messages?status=` accepts: what apiStatus shows. */
export const API_MESSAGE_STATUSES = ['queued', 'enqueued', 'enqueue_failed', 'enqueued_failed', 'sent', 'delivered', 'failed', 'rejected', 'read'] as const;
export type ApiMessageStatus = (typeof API_MESSAGE_STATUSES)[number];

/**
 * The stored status behind a status the API shows, and the channels on which it is spelled that
 * way (a refusal reads `enqueue_failed` on SMS/MMS and `enqueued_failed` on WhatsApp/RCS): the
 * inverse of apiStatus, for filtering.
 */
export function storedStatusFilter(status: ApiMessageStatus): { status: MessageStatus; channels?: Channel[] } {
  switch (status) {
    case 'queued':
      return { status: 'pending' };
    case 'enqueued':
      return { status: 'accepted' };
    case 'enqueue_failed':
      return { status: 'refused', channels: ['sms', 'mms'] };
    case 'enqueued_failed':
      return { status: 'refused', channels: ['whatsapp', 'rcs'] };
    default:
      return { status };
  }
}
