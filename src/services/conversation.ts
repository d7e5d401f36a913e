// A customer's conversation: outbound messages (with their status) and inbound ones, in order.
import type { Channel } from '../core/status.js';
import type { DB } from '../store/db.js';
import { channelsOfConsent } from './consent.js';

export interface ConversationEntry {
  direction: 'outbound' | 'inbound';
  channel: Channel;
  at: string;
  text: string;
  /** Outbound: the message id and its current status. */
  message_id?: string;
  status?: string;
  auto_reply?: boolean;
  /** Inbound: media URLs sent by the customer. */
  media?: unknown;
}

export async function conversationOf(db: DB, customerRef: string, channel: Channel | undefined, limit: number): Promise<ConversationEntry[]> {
  const channels = channel ? channelsOfConsent(channel) : undefined;
  let out = db
    .selectFrom('messages')
    .select(['id', 'channel', 'body', 'content', 'status', 'dispatch_state', 'auto_reply', 'created_at', 'sent_at_us'])
    .where('customer_ref', '=', customerRef)
    .orderBy('id', 'desc')
    .limit(limit);
  if (channels) out = out.where('channel', 'in', channels);
  const inbound = await db
    .selectFrom('events')
    .select(['timestamp', 'properties'])
    .where('customer_ref', '=', customerRef)
    .where('status', '=', 'incoming_message')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const entries: (ConversationEntry & { t: number })[] = [];
  for (const m of await out.execute()) {
    entries.push({
      t: m.sent_at_us !== null ? m.sent_at_us / 1000 : m.created_at,
      direction: 'outbound',
      channel: m.channel,
      at: new Date(m.sent_at_us !== null ? m.sent_at_us / 1000 : m.created_at).toISOString(),
      text: m.body,
      message_id: m.id,
      status: m.dispatch_state === 'cancelled' ? 'cancelled' : m.status,
      auto_reply: m.auto_reply === 1,
    });
  }
  for (const e of inbound) {
    const p = JSON.parse(e.properties) as { channel?: Channel; message?: string; media?: unknown };
    const ch = p.channel ?? 'sms';
    if (channels && !channels.includes(ch)) continue;
    entries.push({ t: e.timestamp, direction: 'inbound', channel: ch, at: new Date(e.timestamp).toISOString(), text: p.message ?? '', ...(p.media ? { media: p.media } : {}) });
  }
  return entries
    .sort((a, b) => a.t - b.t)
    .slice(-limit)
    .map(({ t: _t, ...rest }) => rest);
}
