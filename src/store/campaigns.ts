// Campaigns, and the counts of the messages they fanned out. A campaign's list of customer ids
// lives in campaign_audience (audiences.ts); `audience` here is only its definition.
import { sql } from 'kysely';
import type { DB } from './db.js';
import type { CampaignsTable, MessagesTable } from './schema.js';

/** A campaign (once without its audience, a list of ids then; the definition is small now). */
export type CampaignSummary = CampaignsTable;

/** The columns an update may set. */
export type CampaignPatch = Partial<Pick<CampaignsTable, 'state' | 'audience_size' | 'integration_id' | 'launched_at' | 'launch_summary' | 'updated_at'>>;

const SUMMARY_COLUMNS = [
  'id', 'project_id', 'name', 'channel', 'body', 'content', 'media', 'sender_profile_id', 'integration_id', 'sender',
  'track_links', 'audience', 'audience_size', 'state', 'launch_summary', 'missing_variable_policy', 'created_at', 'launched_at', 'updated_at',
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

/** Campaigns of every project whose launch has started and not finished. */
export async function listLaunching(db: DB): Promise<Pick<CampaignsTable, 'id' | 'project_id'>[]> {
  return db.selectFrom('campaigns').select(['id', 'project_id']).where('state', '=', 'launching').execute();
}

/** How many of the campaign's messages are in each status, apart by whether reports are expected. */
export async function countMessagesByStatus(db: DB, campaignId: string): Promise<(Pick<MessagesTable, 'status' | 'expects_reports'> & { n: number })[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['status', 'expects_reports', sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['status', 'expects_reports'])
    .execute();
  // Counts and flags come back as strings or bigints on some drivers.
  return rows.map((r) => ({ status: r.status, expects_reports: Number(r.expects_reports), n: Number(r.n) }));
}
