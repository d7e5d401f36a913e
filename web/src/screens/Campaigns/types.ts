// The campaign API's shapes as the Campaigns screens read them (see /api/v1/openapi.json).
// The funnel's and the content's shapes are the hub's own (src/core/: plain types, pure functions,
// a TypeBox schema): type-only imports, erased at build, so no server code reaches the bundle.
import type { MessageContent } from '../../../../src/core/content.js';
import type { Funnel } from '../../../../src/core/funnel.js';

export type { Funnel, MessageContent };

export type CampaignState = 'draft' | 'scheduled' | 'launching' | 'launched' | 'paused' | 'cancelled';
export type MissingVariablePolicy = 'default' | 'skip';

export type TemplateContent = Extract<MessageContent, { type: 'template' }>;

export interface Campaign {
  id: string;
  name: string;
  channel: string;
  body: string;
  /** WhatsApp/RCS: the content (a text, a template, …); null for SMS/MMS. */
  content: MessageContent | null;
  media_urls: string[];
  sender_profile_id: string | null;
  integration_id: string | null;
  sender: string | null;
  audience: { type: 'customer_ids' } | { type: 'filter'; filter: Record<string, unknown> };
  audience_size: number;
  state: CampaignState;
  send_at: string | null;
  cancelled_messages: number | null;
  launch_summary: Record<string, unknown> | null;
  created_at: string;
  launched_at: string | null;
  track_links: boolean | null;
  missing_variable_policy: MissingVariablePolicy;
  /** Channels to try when the customer is not reachable on this one (docs/fallback.md), as given. */
  fallback_channels: (string | { channel: string })[];
  fallback_body: string | null;
}

export interface CampaignStats {
  campaign_id: string;
  state: CampaignState;
  messages: number;
  funnel: Funnel;
  skipped_by_reason: Record<string, number>;
  failures: { status: string; status_code: number | null; error: string | null; n: number }[];
}

export interface SeriesPoint { minute: string; counts: Record<string, number> }
export interface CampaignSeries { campaign_id: string; from: string; to: string; statuses: string[]; points: SeriesPoint[] }

export interface Preview { body: string; content: MessageContent | null; parts: number; encoding: string; ucs2_characters: string[]; missing_variables: string[] }

export interface Estimate { channel: string; size: number; with_phone: number; opted_out: number; reachable: number; listed_ids: number | null }
