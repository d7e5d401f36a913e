// The status vocabulary of events: what a campaign event's `status` property may say
// (docs/events.md).

export type Channel = 'sms' | 'mms' | 'whatsapp' | 'rcs';

/** Statuses a delivery report can move a message to. */
export type DeliveryStatus = 'sent' | 'delivered' | 'failed' | 'rejected' | 'read';

/** The status property of campaign events. */
export type EventStatus = 'enqueued' | 'enqueue_failed' | 'enqueued_failed' | DeliveryStatus | 'clicked' | 'incoming_message';

/** The action_type property of events: MMS is reported as "sms", as the product docs have it. */
export function actionType(channel: Channel): 'sms' | 'whatsapp' | 'rcs' {
  return channel === 'mms' ? 'sms' : channel;
}

/** The provider-refused status is spelled differently on the Conversation API channels. */
export function refusedStatus(channel: Channel): 'enqueue_failed' | 'enqueued_failed' {
  return channel === 'whatsapp' || channel === 'rcs' ? 'enqueued_failed' : 'enqueue_failed';
}

/** Delivery reports are tracked for four days after dispatch; later ones make no event. */
export const REPORT_WINDOW_MS = 4 * 24 * 60 * 60 * 1000;

export function withinReportWindow(sentAtMs: number, receivedAtMs: number): boolean {
  return receivedAtMs - sentAtMs <= REPORT_WINDOW_MS;
}
