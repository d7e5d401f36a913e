// The queries behind a campaign's funnel and time series, over its events (the record of what
// happened) and its messages (where each one stands now).
import { sql } from 'kysely';
import type { Reach } from '../core/funnel.js';
import type { DB } from './db.js';
import { jsonField } from './dialect.js';

/** How far a status takes a message along the funnel; 0 for a refusal (never accepted). */
const stage = sql<number>`max(case status when 'enqueued' then 1 when 'failed' then 1 when 'rejected' then 1 when 'sent' then 2 when 'delivered' then 3 when 'read' then 4 else 0 end)`;

/**
 * Distinct messages that reached each stage. One pass over the campaign's events in
 * (campaign_id, message_id) order: the events_campaign_message index covers it, no sort.
 */
export async function reach(db: DB, campaignId: string): Promise<Reach> {
  const perMessage = db
    .selectFrom('events')
    .select([stage.as('stage'), sql<number>`max(case when status = 'clicked' then 1 else 0 end)`.as('clicked')])
    .where('campaign_id', '=', campaignId)
    .where('message_id', 'is not', null)
    .groupBy('message_id');
  const row = await db
    .selectFrom(perMessage.as('m'))
    .select([
      sql<number>`coalesce(sum(case when stage >= 1 then 1 else 0 end), 0)`.as('accepted'),
      sql<number>`coalesce(sum(case when stage >= 2 then 1 else 0 end), 0)`.as('sent'),
      sql<number>`coalesce(sum(case when stage >= 3 then 1 else 0 end), 0)`.as('delivered'),
      sql<number>`coalesce(sum(case when stage >= 4 then 1 else 0 end), 0)`.as('read'),
      sql<number>`coalesce(sum(clicked), 0)`.as('clicked'),
    ])
    .executeTakeFirstOrThrow();
  // Sums come back as strings or bigints on some drivers.
  return { accepted: Number(row.accepted), sent: Number(row.sent), delivered: Number(row.delivered), read: Number(row.read), clicked: Number(row.clicked) };
}

export interface FailureCount {
  status: string;
  status_code: number | null;
  error: string | null;
  n: number;
}

/**
 * The campaign's failure events by status and provider error, most frequent first.
 * The status code comes back as a number on SQLite, as text on PostgreSQL: read as a number either way.
 */
export async function failures(db: DB, campaignId: string, statuses: readonly string[]): Promise<FailureCount[]> {
  const code = jsonField(db, 'properties', 'status_code');
  const error = jsonField(db, 'properties', 'error');
  const rows = await db
    .selectFrom('events')
    .select(['status', code.as('status_code'), error.as('error'), sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', statuses)
    .groupBy(['status', code, error])
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({
    status: r.status,
    status_code: r.status_code === null || r.status_code === undefined ? null : Number(r.status_code),
    error: r.error === null || r.error === undefined ? null : String(r.error),
    n: Number(r.n),
  }));
}

/** Events of the campaign per minute (epoch ms of the minute's start) and status, in [from, to). */
export async function perMinute(db: DB, campaignId: string, statuses: readonly string[], fromMs: number, toMs: number): Promise<{ minute: number; status: string; n: number }[]> {
  const minute = sql<number>`(timestamp / 60000) * 60000`;
  const rows = await db
    .selectFrom('events')
    .select([minute.as('minute'), 'status', sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', statuses)
    .where('timestamp', '>=', fromMs)
    .where('timestamp', '<', toMs)
    .groupBy([minute, 'status'])
    .execute();
  return rows.map((r) => ({ minute: Number(r.minute), status: r.status, n: Number(r.n) }));
}

/** The time of the campaign's first and last events, if it has any. */
export async function eventSpan(db: DB, campaignId: string): Promise<{ first: number; last: number } | null> {
  const row = await db
    .selectFrom('events')
    .select([sql<number | null>`min(timestamp)`.as('first'), sql<number | null>`max(timestamp)`.as('last')])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  if (!row || row.first === null || row.last === null) return null;
  return { first: Number(row.first), last: Number(row.last) };
}
