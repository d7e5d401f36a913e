// The append-only event timeline on customer profiles.
import { sql } from 'kysely';
import type { DB } from '../store/db.js';
import type { EventsTable } from '../store/schema.js';

type Executor = Pick<DB, 'insertInto' | 'selectFrom'>;

/** An event as the pipeline builds it: the row, with its properties still an object. */
export type NewEvent = Omit<EventsTable, 'id' | 'properties' | 'created_at'> & { properties: Record<string, unknown> };

/** Inserts unless an event with the same dedup key exists. Returns whether it was inserted. */
export async function recordEvent(db: Executor, e: NewEvent): Promise<boolean> {
  const res = await db
    .insertInto('events')
    .values({ ...e, properties: JSON.stringify(e.properties), created_at: Date.now() })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .executeTakeFirst();
  return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export function eventView(e: Pick<EventsTable, 'name' | 'customer_id' | 'timestamp' | 'properties' | 'created_at'> & { id: number }) {
  return {
    id: String(e.id),
    name: e.name,
    customer_id: e.customer_id,
    timestamp: e.timestamp / 1000,
    properties: JSON.parse(e.properties) as Record<string, unknown>,
  };
}

export interface EventFilter {
  customer_ref?: string;
  name?: string;
  status?: string;
  campaign_id?: string;
  message_id?: string;
  /** Only events with id greater than this (cursor). */
  after?: number;
  limit: number;
}

export async function listEvents(db: DB, projectId: string, f: EventFilter) {
  let q = db.selectFrom('events').select(['id', 'name', 'customer_id', 'timestamp', 'properties', 'created_at']).where('project_id', '=', projectId);
  if (f.customer_ref) q = q.where('customer_ref', '=', f.customer_ref);
  if (f.name) q = q.where('name', '=', f.name);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.campaign_id) q = q.where('campaign_id', '=', f.campaign_id);
  if (f.message_id) q = q.where('message_id', '=', f.message_id);
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  const rows = await q.orderBy('id').limit(f.limit + 1).execute();
  const page = rows.slice(0, f.limit);
  return { data: page.map((r) => eventView({ ...r, id: Number(r.id) })), next_cursor: rows.length > f.limit ? String(page[page.length - 1]!.id) : null };
}

export async function countEventsByStatus(db: DB, campaignId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select(['status', sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
