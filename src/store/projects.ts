// Projects (tenants): their row, default integrations and stored settings.
import type { DB } from './db.js';
import { prepared } from './prepared.js';
import type { ProjectsTable } from './schema.js';

/** The columns an update may set. */
export type ProjectPatch = Partial<Omit<ProjectsTable, 'id' | 'created_at'>>;

export async function insert(db: DB, row: ProjectsTable): Promise<void> {
  await db.insertInto('projects').values(row).execute();
}

const byId = prepared<{ id: string }, ProjectsTable>((db, p) => db.selectFrom('projects').selectAll().where('id', '=', p.id));

export async function find(db: DB, id: string): Promise<ProjectsTable | undefined> {
  return byId.first(db, { id });
}

/** All projects, or those among `ids`, in id order. */
export async function list(db: DB, ids?: readonly string[]): Promise<ProjectsTable[]> {
  let q = db.selectFrom('projects').selectAll().orderBy('id');
  if (ids) q = q.where('id', 'in', ids.length ? ids : ['']);
  return q.execute();
}

/** Sets the given columns; returns whether the project exists. */
export async function update(db: DB, id: string, patch: ProjectPatch): Promise<boolean> {
  const res = await db.updateTable('projects').set(patch).where('id', '=', id).executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** The project whose direct-send ingest URL carries this app key. */
export async function findByAppKey(db: DB, appKey: string): Promise<Pick<ProjectsTable, 'id' | 'ingest_signing_secret'> | undefined> {
  return db.selectFrom('projects').select(['id', 'ingest_signing_secret']).where('app_key', '=', appKey).executeTakeFirst();
}
