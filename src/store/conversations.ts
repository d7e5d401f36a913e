// What a customer's conversation is made of: the messages sent to them and the messages they
// sent (recorded as incoming_message events), newest first.
import type { Channel } from '../core/status.js';
import type { DB } from './db.js';
import type { EventsTable, MessagesTable } from './schema.js';

export type OutboundEntry = Pick<MessagesTable, 'id' | 'channel' | 'body' | 'content' | 'status' | 'dispatch_state' | 'auto_reply' | 'created_at' | 'sent_at_us'>;
export type InboundEntry = Pick<EventsTable, 'timestamp' | 'properties'>;

/** The customer's latest messages, newest first; only on these channels when given. */
export async function listOutbound(db: DB, customerRef: string, channels: readonly Channel[] | undefined, limit: number): Promise<OutboundEntry[]> {
  let q = db
    .selectFrom('messages')
    .select(['id', 'channel', 'body', 'content', 'status', 'dispatch_state', 'auto_reply', 'created_at', 'sent_at_us'])
    .where('customer_ref', '=', customerRef)
    .orderBy('id', 'desc')
    .limit(limit);
  if (channels) q = q.where('channel', 'in', channels);
  return q.execute();
}

/**
 * The customer's latest incoming messages, newest first. Their channel is in the properties,
 * so the caller filters by channel.
 */
export async function listInbound(db: DB, customerRef: string, limit: number): Promise<InboundEntry[]> {
  return db
    .selectFrom('events')
    .select(['timestamp', 'properties'])
    .where('customer_ref', '=', customerRef)
    .where('status', '=', 'incoming_message')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
