// The one place a message's campaign event is assembled and recorded: on acceptance or refusal
// by the dispatcher, on a delivery report, on a click.
import { campaignEventProperties, eventName, type EventNameSettings, type MessageFacts, type ProviderOutcome } from '../core/events.js';
import type { EventStatus } from '../core/status.js';
import type { DB } from '../store/db.js';
import * as eventStore from '../store/events.js';
import type { MessagesTable } from '../store/schema.js';

/** What an event needs of its message. */
export type EventMessage = MessageFacts & Pick<MessagesTable, 'project_id' | 'customer_ref' | 'customer_id'>;

export interface MessageEventDetails {
  /** Epoch ms of what happened. */
  timestamp: number;
  outcome?: ProviderOutcome;
  /** Further properties (a click's url). */
  extra?: Record<string, unknown>;
  /**
   * Whether this status is recorded once per message (every status is, but clicks: each one
   * counts).
   */
  once: boolean;
}

/** Records the event; false when the status was recorded for the message already. */
export async function recordMessageEvent(db: DB, m: EventMessage, status: EventStatus, settings: EventNameSettings, d: MessageEventDetails): Promise<boolean> {
  const properties = campaignEventProperties(m, status, d.outcome);
  return eventStore.insert(db, {
    project_id: m.project_id,
    customer_ref: m.customer_ref,
    customer_id: m.customer_id,
    name: eventName(settings, m.channel),
    status,
    timestamp: d.timestamp,
    properties: JSON.stringify(d.extra ? { ...properties, ...d.extra } : properties),
    message_id: m.id,
    campaign_id: m.campaign_id,
    dedup_key: d.once ? `${m.id}:${status}` : null,
    created_at: Date.now(),
  });
}
