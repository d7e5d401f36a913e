// Direct-send callbacks refused for want of a customer id, kept for the project to read.
import type { Selectable } from 'kysely';
import { firstIdReceivedSince } from './arrival.js';
import type { DB } from './db.js';
import type { IngestRejectionsTable } from './schema.js';

export type IngestRejectionRow = Selectable<IngestRejectionsTable>;

export async function insert(db: DB, row: Omit<IngestRejectionRow, 'id'>): Promise<void> {
  await db.insertInto('ingest_rejections').values(row).execute();
}

/** The project's rejections after the cursor id, oldest first, up to `limit`. */
export async function list(db: DB, projectId: string, opts: { after?: number; limit: number }): Promise<IngestRejectionRow[]> {
  let q = db.selectFrom('ingest_rejections').selectAll().where('project_id', '=', projectId).orderBy('id').limit(opts.limit);
  if (opts.after !== undefined) q = q.where('id', '>', opts.after);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function count(db: DB, projectId: string): Promise<number> {
  const r = await db.selectFrom('ingest_rejections').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The id of the first rejection received at or after `at`, null when none was (as callbacks.firstIdSince). */
export async function firstIdSince(db: DB, at: number): Promise<number | null> {
  return firstIdReceivedSince(db, 'ingest_rejections', at);
}

/**
 * Deletes up to `limit` rejections received before `before` with ids below `belowId`
 * (firstIdSince; null: no bound), oldest first; returns how many.
 */
export async function deleteBefore(db: DB, before: number, belowId: number | null, limit: number): Promise<number> {
  let old = db.selectFrom('ingest_rejections').select('id').where('received_at', '<', before);
  if (belowId !== null) old = old.where('id', '<', belowId);
  const r = await db.deleteFrom('ingest_rejections').where('id', 'in', old.orderBy('id').limit(limit)).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The projects that have any rejection. */
export async function projectsWithRejections(db: DB): Promise<string[]> {
  const rows = await db.selectFrom('ingest_rejections').select('project_id').distinct().execute();
  return rows.map((r) => r.project_id);
}

/**
 * Deletes up to `limit` of the project's rejections beyond its newest `keep`, oldest first;
 * returns how many. Both statements walk the (project_id, id) index.
 */
export async function deleteBeyond(db: DB, projectId: string, keep: number, limit: number): Promise<number> {
  const edge = await db.selectFrom('ingest_rejections').select('id').where('project_id', '=', projectId).orderBy('id', 'desc').limit(1).offset(keep).executeTakeFirst();
  if (!edge) return 0;
  const old = db.selectFrom('ingest_rejections').select('id').where('project_id', '=', projectId).where('id', '<=', Number(edge.id)).orderBy('id').limit(limit);
  const r = await db.deleteFrom('ingest_rejections').where('id', 'in', old).executeTakeFirst();
  return Number(r.numDeletedRows);
}
