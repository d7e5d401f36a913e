// Direct-send callbacks refused for want of a customer id, kept for the project to read.
import type { Selectable } from 'kysely';
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
