// The events table: the append-only timeline on customer profiles. An event with a dedup key is
// recorded once; a second insert with the same key is a no-op.
import { sql } from 'kysely';
import type { DB } from './db.js';
import { prepared } from './prepared.js';
import type { EventsTable } from './schema.js';

export type NewEventRow = Omit<EventsTable, 'id'>;

const insertStatement = prepared<NewEventRow>((db, p) =>
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
export async function insert(db: DB, row: NewEventRow): Promise<boolean> {
  return (await insertStatement.changes(db, row)) > 0;
}

export type EventRow = Pick<EventsTable, 'name' | 'customer_id' | 'timestamp' | 'properties' | 'created_at'> & { id: number };

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

/** A project's events matching the filter, oldest first, up to `limit`. */
export async function list(db: DB, projectId: string, f: EventFilter): Promise<EventRow[]> {
  let q = db.selectFrom('events').select(['id', 'name', 'customer_id', 'timestamp', 'properties', 'created_at']).where('project_id', '=', projectId);
  if (f.customer_ref) q = q.where('customer_ref', '=', f.customer_ref);
  if (f.name) q = q.where('name', '=', f.name);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.campaign_id) q = q.where('campaign_id', '=', f.campaign_id);
  if (f.message_id) q = q.where('message_id', '=', f.message_id);
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  const rows = await q.orderBy('id').limit(f.limit).execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** How many events of each status the campaign has. */
export async function countByStatus(db: DB, campaignId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select(['status', sql<number>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** The id of the newest event (0 for none): where counting recorded events starts. */
export async function maxId(db: DB): Promise<number> {
  const row = await db.selectFrom('events').select(sql<number | null>`max(id)`.as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** How many events of each name and status were recorded after `afterId`, and the newest id seen. */
export async function countSince(db: DB, afterId: number): Promise<{ counts: { name: string; status: string; n: number }[]; lastId: number }> {
  const rows = await db
    .selectFrom('events')
    .select(['name', 'status', sql<number>`count(*)`.as('n'), sql<number>`max(id)`.as('last')])
    .where('id', '>', afterId)
    .groupBy(['name', 'status'])
    .execute();
  return {
    counts: rows.map((r) => ({ name: r.name, status: r.status, n: Number(r.n) })),
    lastId: rows.reduce((m, r) => Math.max(m, Number(r.last)), afterId),
  };
}

/** Events rewritten per statement batch while anonymising. */
const ANONYMISE_PAGE = 500;

/**
 * Moves the customer's events to `token`, their properties passed through `scrub` (which drops
 * what identifies the person). Pages by id, so a long history is never held at once.
 */
export async function anonymiseForCustomer(
  db: DB,
  customerRef: string,
  token: string,
  scrub: (e: Pick<EventsTable, 'properties' | 'dedup_key'>) => Pick<EventsTable, 'properties' | 'dedup_key'>,
): Promise<number> {
  let n = 0;
  for (;;) {
    // The rows moved to the token no longer match, so each page starts from the top.
    const rows = await db.selectFrom('events').select(['id', 'properties', 'dedup_key']).where('customer_ref', '=', customerRef).orderBy('id').limit(ANONYMISE_PAGE).execute();
    if (rows.length === 0) return n;
    for (const r of rows) {
      await db.updateTable('events').set({ customer_ref: token, customer_id: token, ...scrub(r) }).where('id', '=', r.id).execute();
    }
    n += rows.length;
  }
}
