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

// The hot paths (a send, a batch of send outcomes or of reports) read their project's settings
// each time; on PostgreSQL that is a round trip of its own. They may take a row read in the last
// second instead. A change through this store is seen at once by this process; another process
// sees it within RECENT_MS. A read that modifies and writes settings back uses find().
const RECENT_MS = 1000;
/** Per store: a Kysely instance and its transactions share the executor's adapter. */
type RecentRows = Map<string, { row: ProjectsTable; at: number }>;
const recent = new WeakMap<object, RecentRows>();

function recentOf(db: DB): RecentRows {
  const key = db.getExecutor().adapter;
  let rows = recent.get(key);
  if (!rows) recent.set(key, (rows = new Map() as RecentRows));
  return rows;
}

/** The project as read at most a second ago (see RECENT_MS). */
export async function findRecent(db: DB, id: string, now = Date.now()): Promise<ProjectsTable | undefined> {
  const rows = recentOf(db);
  const hit = rows.get(id);
  if (hit && now - hit.at < RECENT_MS) return hit.row;
  const row = await find(db, id);
  if (row) rows.set(id, { row, at: now });
  else rows.delete(id);
  return row;
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
  recentOf(db).delete(id);
  return res.numUpdatedRows > 0n;
}

/** The project whose direct-send ingest URL carries this app key. */
export async function findByAppKey(db: DB, appKey: string): Promise<Pick<ProjectsTable, 'id' | 'ingest_signing_secret'> | undefined> {
  return db.selectFrom('projects').select(['id', 'ingest_signing_secret']).where('app_key', '=', appKey).executeTakeFirst();
}
