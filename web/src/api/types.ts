// The shapes the hub answers with (see /api/v1/openapi.json), as far as the console reads them.
export type Role = 'admin' | 'project';
export interface Session { role: Role; project_id: string | null; via: 'cookie' | 'bearer' }
export interface Project { id: string; name: string; created_at: string }
export interface Page<T> { data: T[]; next_cursor: string | null }

export interface JsonSchemaProp { type?: string; title?: string; description?: string; default?: unknown; anyOf?: { const?: string; type?: string }[]; pattern?: string; format?: string }
export interface ObjectSchema { properties?: Record<string, JsonSchemaProp>; required?: string[] }
export interface Provider {
  type: string;
  display_name: string;
  channels: string[];
  config_schema: ObjectSchema;
  secrets_schema: ObjectSchema;
  webhook_endpoints: { name: string; description: string; status_callback: boolean }[];
  verifiable: boolean;
}
export interface VerifyResult { ok: boolean; checked_at: string; reason?: string; message?: string }
export interface Integration {
  id: string;
  provider: string;
  name: string;
  channels: string[];
  config: Record<string, unknown>;
  secrets_set: string[];
  rate_limit: number | null;
  is_default_sms: boolean;
  webhook_urls: Record<string, string>;
  last_verify: VerifyResult | null;
  created_at: string;
}
export interface Settings {
  app_key: string;
  direct_ingest_url: string;
  ingest_signing_secret_set: boolean;
  default_sms_integration_id: string | null;
  default_whatsapp_integration_id: string | null;
  default_rcs_integration_id: string | null;
  link_tracking: boolean;
  event_names: Record<string, string>;
  quiet_hours: QuietHours | null;
  frequency_cap: FrequencyCap | null;
  /** Per channel, the integrations that take over in order while the default's provider fails. */
  failover: Partial<Record<FailoverChannel, string[]>>;
}
export type FailoverChannel = 'sms' | 'whatsapp' | 'rcs';
export interface QuietHours { start: string; end: string; timezone_attribute: string; default_timezone: string }
export interface FrequencyCap { max: number; per: 'day' | 'week' }
export interface SenderProfile { id: string; name: string; channel: string; integration_id: string; sender: string | null; is_default: boolean }
export interface KeywordGroup { keywords: string[]; reply: string }
export interface Keywords { opt_out: KeywordGroup; opt_in: KeywordGroup; help: KeywordGroup; custom: { keyword: string; reply: string }[] }
export interface Customer { customer_id: string; phone: string | null; attributes: Record<string, unknown>; created_at: string; updated_at: string }
export interface HubEvent { id: string; name: string; customer_id: string; timestamp: number; properties: Record<string, unknown> }
export interface Consent {
  channels: Record<string, { opted_out: boolean; updated_at: string }>;
  history: { channel: string; action: string; source: string; detail: string | null; at: string }[];
}
export interface ConversationEntry { direction: 'inbound' | 'outbound'; channel: string; at: string; text: string; message_id?: string; status?: string; auto_reply?: boolean }
export interface Message {
  id: string;
  integration_id: string;
  campaign_id: string | null;
  customer_id: string;
  channel: string;
  recipient: string;
  sender: string | null;
  body: string;
  parts: number;
  encoding: string;
  status: string;
  dispatch_state: string;
  attempts: number;
  provider_message_id: string | null;
  possible_duplicate: boolean;
  last_error: Record<string, unknown> | null;
  created_at: string;
}
/** One send attempt or failover move of a message, oldest first. */
export interface SendAttempt { integration_id: string; at: string; outcome: 'accepted' | 'retry' | 'refused' | 'unknown' | 'rerouted'; status_code: number | null; error: string | null }
export interface Segments { text: string; parts: number; encoding: string; characters: number; units: number; units_per_part: number; non_gsm_characters: string[] }
export interface ApiKey { id: string; name: string; created_at: string; revoked_at: string | null }
export interface DirectIngest { url: string; profiles_created: number; rejections: number; deliveries_tracked: number }
export interface Rejection { id: string; reason: string; client_reference: string | null; batch_id: string | null; body: string; received_at: string }
export interface IntegrationHealth { integration_id: string; name: string; provider: string; queued: number; retrying: number; in_flight: number; sends: Record<string, number>; webhooks_refused: Record<string, number> }
