// The append-only event timeline on customer profiles.
import { sql } from 'kysely';
import type { DB } from '../store/db.js';
import { prepared } from '../store/prepared.js';
import type { EventsTable } from '../store/schema.js';

/** An event as the pipeline builds it: the row, with its properties still an object. */
export type NewEvent = Omit<EventsTable, 'id' | 'properties' | 'created_at'> & { properties: Record<string, unknown> };

const insertEvent = prepared<Omit<EventsTable, 'id'>>((db, p) =>
  db
    .insertInto('events')
    .values({
      project_id: p.project_id,
      customer_ref: p.customer_ref,
      customer_id: p.customer_id,
      name: p.name,
      status: p.status,
      timestamp: p.timestamp,
      properties: p.properties,
      message_id: p.message_id,
      campaign_id: p.campaign_id,
      dedup_key: p.dedup_key,
      created_at: p.created_at,
    })
    .onConflict((oc) => oc.column('dedup_key').doNothing()),
);

/** Inserts unless an event with the same dedup key exists. Returns whether it was inserted. */
export async function recordEvent(db: DB, e: NewEvent): Promise<boolean> {
  const inserted = await insertEvent.changes(db, { ...e, properties: JSON.stringify(e.properties), created_at: Date.now() });
  return inserted > 0;
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
