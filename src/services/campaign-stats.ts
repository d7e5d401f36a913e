// What a campaign did: its funnel with rates, failures by provider error, and a per-minute
// series of its events for charts.
import { invalid } from '../core/errors.js';
import { fillSeries, funnel, minuteBuckets, skippedByReason, type CurrentCounts, type Funnel } from '../core/funnel.js';
import { refusedStatus, type Channel } from '../core/status.js';
import { apiStatus } from '../messages/status.js';
import * as statsStore from '../store/campaign-stats.js';
import type { FailureCount } from '../store/campaign-stats.js';
import * as campaignStore from '../store/campaigns.js';
import type { DB } from '../store/db.js';
import { getCampaignSummary, type LaunchSummary } from './campaigns.js';
import { countEventsByStatus } from './events.js';

export interface CampaignStats {
  campaign_id: string;
  state: string;
  launch_summary: LaunchSummary | null;
  messages: number;
  current_status: Record<string, number>;
  events: Record<string, number>;
  no_report_expected: number;
  funnel: Funnel;
  skipped_by_reason: Record<string, number>;
  failures: FailureCount[];
}

export async function campaignStats(db: DB, projectId: string, id: string): Promise<CampaignStats> {
  const campaign = await getCampaignSummary(db, projectId, id);
  const byStatus = await campaignStore.countMessagesByStatus(db, id);
  const current: Record<string, number> = {};
  const counts: CurrentCounts = { messages: 0, waiting: 0, cancelled: 0, refused: 0, failed: 0, rejected: 0, accepted_without_reports: 0 };
  let noReportExpected = 0;
  for (const r of byStatus) {
    const n = r.n;
    counts.messages += n;
    // The API's vocabulary, as on each message (MMS refusals are enqueue_failed, like SMS).
    // A cancelled message never left: it shows as cancelled, not as still queued.
    const status = r.cancelled ? 'cancelled' : apiStatus(r.status, campaign.channel);
    current[status] = (current[status] ?? 0) + n;
    if (r.expects_reports === 0) noReportExpected += n;
    if (r.cancelled) counts.cancelled += n;
    else if (r.status === 'pending') counts.waiting += n;
    else if (r.status === 'refused') counts.refused += n;
    else {
      if (r.status === 'failed') counts.failed += n;
      if (r.status === 'rejected') counts.rejected += n;
      if (r.expects_reports === 0) counts.accepted_without_reports += n;
    }
  }
  const summary = campaign.launch_summary ? (JSON.parse(campaign.launch_summary) as LaunchSummary) : null;
  const skipped = skippedByReason(summary as unknown as Record<string, unknown> | null);
  const reach = await statsStore.reach(db, id);
  return {
    campaign_id: id,
    state: campaign.state,
    launch_summary: summary,
    messages: counts.messages,
    current_status: current,
    events: await countEventsByStatus(db, id),
    no_report_expected: noReportExpected,
    funnel: funnel(campaign.channel, summary?.audience ?? campaign.audience_size, skipped, counts, reach),
    skipped_by_reason: skipped,
    failures: await statsStore.failures(db, id, failureStatuses(campaign.channel)),
  };
}

function failureStatuses(channel: Channel): string[] {
  return [refusedStatus(channel), 'failed', 'rejected'];
}

/** The statuses a campaign's series counts, in funnel order. */
export function seriesStatuses(channel: Channel): string[] {
  const read = channel === 'whatsapp' || channel === 'rcs' ? ['read'] : [];
  return ['enqueued', 'sent', 'delivered', ...read, 'clicked', ...failureStatuses(channel)];
}

/** A request for more minutes than this is refused: a day of minutes is 1,440 points. */
export const MAX_SERIES_MINUTES = 1440;

export interface CampaignSeries {
  campaign_id: string;
  interval: 'minute';
  from: number;
  to: number;
  statuses: string[];
  points: { minute: number; counts: Record<string, number> }[];
}

/**
 * Events per minute and status in [from, to). Without `to`: up to now (the current minute
 * included); without `from`: from the launch, or the last day's worth of minutes before `to`.
 */
export async function campaignSeries(db: DB, projectId: string, id: string, range: { from?: number; to?: number }, now = Date.now()): Promise<CampaignSeries> {
  const campaign = await getCampaignSummary(db, projectId, id);
  const statuses = seriesStatuses(campaign.channel);
  const to = range.to ?? (Math.floor(now / 60_000) + 1) * 60_000;
  let from = range.from;
  if (from === undefined) {
    const start = campaign.launched_at ?? (await statsStore.eventSpan(db, id))?.first ?? to - 60_000;
    from = Math.max(start, to - MAX_SERIES_MINUTES * 60_000);
  }
  if (from >= to) throw invalid('invalid_request', 'from must be before to', 'from');
  if (to - from > MAX_SERIES_MINUTES * 60_000) throw invalid('invalid_request', `at most ${MAX_SERIES_MINUTES} minutes per request: narrow from/to`, 'to');
  const buckets = minuteBuckets(from, to, MAX_SERIES_MINUTES + 1);
  const rows = await statsStore.perMinute(db, id, statuses, buckets[0] ?? from, to);
  return { campaign_id: id, interval: 'minute', from: buckets[0] ?? from, to, statuses, points: fillSeries(buckets, statuses, rows) };
}
