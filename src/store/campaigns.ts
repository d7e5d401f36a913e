// Campaigns, and the counts of the messages they fanned out. A campaign's list of customer ids
// lives in campaign_audience (audiences.ts); `audience` here is only its definition.
import { sql } from 'kysely';
import { isPostgres, type DB } from './db.js';
import type { CampaignState, CampaignsTable, MessagesTable } from './schema.js';

/** A campaign (once without its audience, a list of ids then; the definition is small now). */
export type CampaignSummary = CampaignsTable;

/** The columns an update may set. */
export type CampaignPatch = Partial<
  Pick<CampaignsTable, 'state' | 'audience_size' | 'integration_id' | 'launched_at' | 'launch_summary' | 'send_at' | 'cancelled_messages' | 'updated_at'>
>;

/** What an edit of a draft or scheduled campaign may set besides its state (docs/scheduling.md). */
export type CampaignEditPatch = CampaignPatch &
  Partial<
    Pick<CampaignsTable, 'name' | 'channel' | 'body' | 'content' | 'media' | 'sender_profile_id' | 'sender' | 'track_links' | 'audience' | 'missing_variable_policy' | 'fallback_channels' | 'fallback_body'>
  >;

/** Extra conditions a transition must meet besides the state. */
export interface TransitionGuard {
  /** The campaign's updated_at is still this: nobody changed it since the caller read it. */
  version?: number;
  /** Its send_at has come by then (a scheduled launch: an edit may have moved it later). */
  dueBy?: number;
}

const SUMMARY_COLUMNS = [
  'id', 'project_id', 'name', 'channel', 'body', 'content', 'media', 'sender_profile_id', 'integration_id', 'sender',
  'track_links', 'audience', 'audience_size', 'state', 'launch_summary', 'missing_variable_policy', 'send_at', 'cancelled_messages',
  'fallback_channels', 'fallback_body', 'created_at', 'launched_at', 'updated_at',
] as const satisfies readonly (keyof CampaignSummary)[];

export async function insert(db: DB, row: CampaignsTable): Promise<void> {
  await db.insertInto('campaigns').values(row).execute();
}

/** The project's campaign, audience included. */
export async function find(db: DB, projectId: string, id: string): Promise<CampaignsTable | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
}

/** The project's campaign without its audience. */
export async function findSummary(db: DB, projectId: string, id: string): Promise<CampaignSummary | undefined> {
  return db.selectFrom('campaigns').select(SUMMARY_COLUMNS).where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
}

/** The project's campaigns without their audiences, in id order. */
export async function listSummaries(db: DB, projectId: string): Promise<CampaignSummary[]> {
  return db.selectFrom('campaigns').select(SUMMARY_COLUMNS).where('project_id', '=', projectId).orderBy('id').execute();
}

export async function update(db: DB, id: string, patch: CampaignPatch): Promise<void> {
  await db.updateTable('campaigns').set(patch).where('id', '=', id).execute();
}

/**
 * Moves the campaign to a new state only if it is in one of `from`: two callers racing (the
 * scheduler and a launch by hand, a pause and a cancel) cannot both win. False when it was not.
 */
export async function transition(db: DB, id: string, from: readonly CampaignState[], patch: CampaignEditPatch & { state: CampaignState }, guard: TransitionGuard = {}): Promise<boolean> {
  let q = db.updateTable('campaigns').set(patch).where('id', '=', id).where('state', 'in', [...from]);
  if (guard.version !== undefined) q = q.where('updated_at', '=', guard.version);
  if (guard.dueBy !== undefined) q = q.where('send_at', '<=', guard.dueBy);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The campaign's state; undefined when there is no such campaign. */
export async function stateOf(db: DB, id: string): Promise<CampaignState | undefined> {
  return (await db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirst())?.state;
}

/**
 * The campaign's state, read by a fan-out transaction before it queues a chunk. On PostgreSQL the
 * row is locked `for share` until that transaction ends: a pause or cancel (an update of the row)
 * waits for the chunk to commit and then finds its messages, while the lanes of one launch share
 * the lock. SQLite writes one transaction at a time, which gives the same.
 */
export async function stateForFanOut(trx: DB, id: string): Promise<CampaignState | undefined> {
  const q = trx.selectFrom('campaigns').select('state').where('id', '=', id);
  return (await (isPostgres(trx) ? q.forShare() : q).executeTakeFirst())?.state;
}

// A literal, not a parameter: only then can the planner use the partial index campaigns_scheduled.
const SCHEDULED = sql<CampaignState>`'scheduled'`;

/** Scheduled campaigns of every project whose send_at has come, earliest first. */
export async function listDueScheduled(db: DB, now: number, limit: number): Promise<Pick<CampaignsTable, 'id' | 'project_id'>[]> {
  return db
    .selectFrom('campaigns')
    .select(['id', 'project_id'])
    .where('state', '=', SCHEDULED)
    .where('send_at', '<=', now)
    .orderBy('send_at')
    .limit(limit)
    .execute();
}

/** When the next scheduled campaign is due; null when none is scheduled. */
export async function nextScheduledAt(db: DB): Promise<number | null> {
  const r = await db.selectFrom('campaigns').select(sql<number | null>`min(send_at)`.as('t')).where('state', '=', SCHEDULED).executeTakeFirst();
  return r?.t == null ? null : Number(r.t);
}

/** Adds to the count of messages a cancel took off the queue. */
export async function addCancelled(db: DB, id: string, n: number): Promise<void> {
  await db.updateTable('campaigns').set({ cancelled_messages: sql`coalesce(cancelled_messages, 0) + ${n}` }).where('id', '=', id).execute();
}

/** Campaigns of every project whose launch has started and not finished. */
export async function listLaunching(db: DB): Promise<Pick<CampaignsTable, 'id' | 'project_id'>[]> {
  return db.selectFrom('campaigns').select(['id', 'project_id']).where('state', '=', 'launching').execute();
}

/**
 * How many of the campaign's messages are in each status, apart by whether reports are expected
 * and whether a cancel took them off the queue.
 */
export async function countMessagesByStatus(
  db: DB,
  campaignId: string,
): Promise<(Pick<MessagesTable, 'status' | 'expects_reports'> & { cancelled: boolean; n: number })[]> {
  const cancelled = sql<number>`case when dispatch_state = 'cancelled' then 1 else 0 end`;
  const rows = await db
    .selectFrom('messages')
    .select(['status', 'expects_reports', cancelled.as('cancelled'), sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['status', 'expects_reports', cancelled])
    .execute();
  // Counts and flags come back as strings or bigints on some drivers.
  return rows.map((r) => ({ status: r.status, expects_reports: Number(r.expects_reports), cancelled: Number(r.cancelled) === 1, n: Number(r.n) }));
}
