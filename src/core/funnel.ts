// A campaign's funnel: how many of its messages reached each stage, with the rates a marketer
// reads (docs/campaigns.md "Stats"). Pure: the store gives the counts, this shapes them.
import type { Channel } from './status.js';
import { refusedStatus } from './status.js';

/**
 * Distinct messages whose events reached each stage. A message counts for every stage up to the
 * furthest it reached, so a `delivered` report without a `sent` one still counts as sent, and a
 * message that failed after a `sent` report counts as sent.
 */
export interface Reach {
  /** The provider took it: an enqueued event, or any later report. */
  accepted: number;
  sent: number;
  /** Delivered or read. */
  delivered: number;
  read: number;
  /** At least one tracked link opened. */
  clicked: number;
}

/** Current-status counts of the campaign's messages. */
export interface CurrentCounts {
  messages: number;
  /** Not handed to a provider yet (paused ones included). */
  waiting: number;
  /** Taken off the queue unsent by a cancel (of the campaign, or an erased customer's). */
  cancelled: number;
  /** Refused by the provider, or out of time for retries. */
  refused: number;
  failed: number;
  rejected: number;
  /** Taken by a provider on a route that sends no delivery reports. */
  accepted_without_reports: number;
}

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
  /** Spelled as the channel's events spell it: `enqueue_failed` or `enqueued_failed`. */
  refused_status: string;
  refused: number;
  rates: FunnelRates;
}

/** Fractions between 0 and 1 (4 decimals), null while the denominator is 0. */
export interface FunnelRates {
  /** accepted / messages */
  accepted: number | null;
  /** delivered / (accepted − accepted on routes without reports) */
  delivered: number | null;
  /** read / delivered: WhatsApp and RCS only (null for SMS and MMS, which have no read reports) */
  read: number | null;
  /** clicked / accepted */
  clicked: number | null;
  /** failed / accepted */
  failed: number | null;
  /** rejected / accepted */
  rejected: number | null;
  /** refused / messages */
  refused: number | null;
}

export function rate(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part / whole) * 10_000) / 10_000;
}

/** The skipped counts of a launch summary by reason: `skipped_no_phone` → `no_phone`. */
export function skippedByReason(summary: Record<string, unknown> | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!summary) return out;
  for (const [key, value] of Object.entries(summary)) {
    if (key.startsWith('skipped_') && typeof value === 'number') out[key.slice('skipped_'.length)] = value;
  }
  return out;
}

export function funnel(channel: Channel, audience: number, skipped: Record<string, number>, current: CurrentCounts, reach: Reach): Funnel {
  const reportable = reach.accepted - current.accepted_without_reports;
  const hasReadReports = channel === 'whatsapp' || channel === 'rcs';
  return {
    audience,
    skipped: Object.values(skipped).reduce((a, b) => a + b, 0),
    messages: current.messages,
    waiting: current.waiting,
    cancelled: current.cancelled,
    accepted: reach.accepted,
    sent: reach.sent,
    delivered: reach.delivered,
    read: reach.read,
    clicked: reach.clicked,
    failed: current.failed,
    rejected: current.rejected,
    refused_status: refusedStatus(channel),
    refused: current.refused,
    rates: {
      accepted: rate(reach.accepted, current.messages),
      delivered: rate(reach.delivered, reportable),
      read: hasReadReports ? rate(reach.read, reach.delivered) : null,
      clicked: rate(reach.clicked, reach.accepted),
      failed: rate(current.failed, reach.accepted),
      rejected: rate(current.rejected, reach.accepted),
      refused: rate(current.refused, current.messages),
    },
  };
}

/** Minute buckets [from, to) aligned to the minute, at most `max` of them. */
export function minuteBuckets(fromMs: number, toMs: number, max: number): number[] {
  const start = Math.floor(fromMs / 60_000) * 60_000;
  const out: number[] = [];
  for (let t = start; t < toMs && out.length < max; t += 60_000) out.push(t);
  return out;
}

export interface SeriesPoint {
  minute: number;
  counts: Record<string, number>;
}

/**
 * A continuous per-minute series: every bucket present (zeros where nothing happened), every
 * status present in every bucket, so a chart needs no gap filling.
 */
export function fillSeries(buckets: readonly number[], statuses: readonly string[], rows: readonly { minute: number; status: string; n: number }[]): SeriesPoint[] {
  const byMinute = new Map<number, Record<string, number>>();
  for (const m of buckets) byMinute.set(m, Object.fromEntries(statuses.map((s) => [s, 0])));
  for (const r of rows) {
    const counts = byMinute.get(r.minute);
    if (counts && r.status in counts) counts[r.status] = (counts[r.status] ?? 0) + r.n;
  }
  return buckets.map((minute) => ({ minute, counts: byMinute.get(minute)! }));
}
