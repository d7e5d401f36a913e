// Canonical message statuses and the forward-only order between them (docs/events.md).

export type Channel = 'sms' | 'mms' | 'whatsapp' | 'rcs';

/** Statuses a delivery report can move a message to. */
export type DeliveryStatus = 'sent' | 'delivered' | 'failed' | 'rejected' | 'read';

/** Every status an outbound message can carry. `queued` never appears on events. */
export type MessageStatus = 'queued' | 'enqueued' | 'enqueue_failed' | 'enqueued_failed' | DeliveryStatus;

export type EventStatus = Exclude<MessageStatus, 'queued'> | 'clicked' | 'incoming_message';

/**
 * Rank of each status in the forward-only order:
 * enqueued < sent < delivered|failed|rejected < read. A refusal at enqueue is terminal.
 */
const RANK: Record<MessageStatus, number> = {
  queued: 0,
  enqueued: 1,
  sent: 2,
  delivered: 3,
  failed: 3,
  rejected: 3,
  read: 4,
  enqueue_failed: 5,
  enqueued_failed: 5,
};

export function statusRank(status: MessageStatus): number {
  return RANK[status];
}

/** The action_type property of events: MMS is reported as "sms", as the product docs have it. */
export function actionType(channel: Channel): 'sms' | 'whatsapp' | 'rcs' {
  return channel === 'mms' ? 'sms' : channel;
}

/** The provider-refused status is spelled differently on the Conversation API channels. */
export function refusedStatus(channel: Channel): 'enqueue_failed' | 'enqueued_failed' {
  return channel === 'whatsapp' || channel === 'rcs' ? 'enqueued_failed' : 'enqueue_failed';
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
  if (current === 'enqueue_failed' || current === 'enqueued_failed') {
    return { kind: 'ignore', reason: 'terminal' };
  }
  if (current === next) return { kind: 'ignore', reason: 'duplicate' };
  const from = RANK[current];
  const to = RANK[next];
  if (to > from) return { kind: 'advance' };
  if (to === from) return { kind: 'ignore', reason: 'conflict' };
  return { kind: 'late' };
}

/** Delivery reports are tracked for four days after dispatch; later ones make no event. */
export const REPORT_WINDOW_MS = 4 * 24 * 60 * 60 * 1000;

export function withinReportWindow(sentAtMs: number, receivedAtMs: number): boolean {
  return receivedAtMs - sentAtMs <= REPORT_WINDOW_MS;
}
