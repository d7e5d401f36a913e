// A customer's conversation: outbound messages (with their status) and inbound ones, in order.
import type { Channel } from '../core/status.js';
import { apiStatus } from '../messages/status.js';
import * as conversationStore from '../store/conversations.js';
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
  const outbound = await conversationStore.listOutbound(db, customerRef, channels, limit);
  const inbound = await conversationStore.listInbound(db, customerRef, limit);
  const entries: (ConversationEntry & { t: number })[] = [];
  for (const m of outbound) {
    entries.push({
      t: m.sent_at_us !== null ? m.sent_at_us / 1000 : m.created_at,
      direction: 'outbound',
      channel: m.channel,
      at: new Date(m.sent_at_us !== null ? m.sent_at_us / 1000 : m.created_at).toISOString(),
      text: m.body,
      message_id: m.id,
      status: m.dispatch_state === 'cancelled' ? 'cancelled' : apiStatus(m.status, m.channel),
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
