// The campaign API's shapes as the Campaigns screens read them (see /api/v1/openapi.json).
export type CampaignState = 'draft' | 'scheduled' | 'launching' | 'launched' | 'paused' | 'cancelled';
export type MissingVariablePolicy = 'default' | 'skip';

export interface Campaign {
  id: string;
  name: string;
  channel: string;
  body: string;
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
}

type Rate = number | null;
export interface Funnel {
  audience: number;
  skipped: number;
  messages: number;
  waiting: number;
  cancelled: number;
  accepted: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  failed: number;
  rejected: number;
  refused: number;
  refused_status: string;
  rates: Record<'accepted' | 'delivered' | 'read' | 'clicked' | 'failed' | 'rejected' | 'refused', Rate>;
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

export interface Preview { body: string; parts: number; encoding: string; ucs2_characters: string[]; missing_variables: string[] }

export interface Estimate { channel: string; size: number; with_phone: number; opted_out: number; reachable: number; listed_ids: number | null }
