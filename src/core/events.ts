// The properties of campaign events, exactly as docs/events.md lists them.
import { actionType, type Channel, type EventStatus } from './status.js';

export interface MessageFacts {
  id: string;
  message_type: 'campaign' | 'transactional';
  channel: Channel;
  campaign_id: string | null;
  recipient: string;
  sender: string | null;
  sent_at_us: number | null;
  parts: number;
  integration_id: string;
  provider_message_id: string | null;
}

export interface ProviderOutcome {
  status_code?: number | null;
  error?: string | null;
  comment?: string | null;
}

/** Unix seconds with a microsecond fraction. */
export function unixSeconds(us: number): number {
  return Math.round(us) / 1e6;
}

export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export function campaignEventProperties(m: MessageFacts, status: EventStatus, outcome: ProviderOutcome = {}): Record<string, unknown> {
  const props: Record<string, unknown> = {
    message_type: m.message_type,
    action_type: actionType(m.channel),
    // action_type says "sms" for MMS too, as documented; this tells them apart.
    channel: m.channel,
    status,
    campaign_id: m.campaign_id,
    recipient: m.recipient,
    sender: m.sender,
    sent_timestamp: m.sent_at_us === null ? null : unixSeconds(m.sent_at_us),
    number_of_message_parts: m.parts,
    message_id: m.id,
    integration_id: m.integration_id,
    provider_message_id: m.provider_message_id,
  };
  // Provider codes only where the provider gave them: a delivered report has a DLR code, an
  // accepted request has none.
  if (outcome.status_code !== undefined && outcome.status_code !== null) props.status_code = outcome.status_code;
  if (outcome.error) props.error = outcome.error;
  if (outcome.comment) props.comment = outcome.comment;
  return props;
}

export interface InboundFacts {
  channel: Channel;
  from: string;
  to: string;
  text: string;
  media: { url: string; contentType: string | null }[];
  integration_id: string;
  provider_message_id: string | null;
  sent_at_ms: number | null;
}

export function incomingEventProperties(m: InboundFacts): Record<string, unknown> {
  const props: Record<string, unknown> = {
    action_type: actionType(m.channel),
    channel: m.channel,
    status: 'incoming_message',
    message: m.text,
    sender: m.from,
    recipient: m.to,
    integration_id: m.integration_id,
    provider_message_id: m.provider_message_id,
    sent_timestamp: m.sent_at_ms === null ? null : m.sent_at_ms / 1000,
  };
  if (m.media.length > 0) props.media = m.media.map((x) => ({ url: x.url, content_type: x.contentType }));
  return props;
}

export interface EventNameSettings {
  event_names?: Partial<Record<'sms' | 'whatsapp' | 'rcs', string>>;
}

/** Events are named `campaign` unless the project maps the channel to another name. */
export function eventName(settings: EventNameSettings, channel: Channel): string {
  return settings.event_names?.[actionType(channel)] ?? 'campaign';
}
