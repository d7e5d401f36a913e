// Bulk import jobs (`imports`) and the per-row errors they report (`import_errors`).
import type { Selectable } from 'kysely';
import type { DB } from './db.js';
import type { ImportErrorsTable, ImportsTable } from './schema.js';

export type ImportErrorRow = Selectable<ImportErrorsTable>;
export type NewImportError = Omit<ImportErrorRow, 'id'>;

/** Rows per error insert statement. */
const ERROR_BATCH = 200;

export async function insert(db: DB, row: ImportsTable): Promise<void> {
  await db.insertInto('imports').values(row).execute();
}

export function find(db: DB, projectId: string, id: string): Promise<ImportsTable | undefined> {
  return db.selectFrom('imports').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst().then(numeric);
}

/** The import with this id, whichever project it is in. */
export function findAny(db: DB, id: string): Promise<ImportsTable | undefined> {
  return db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst().then(numeric);
}

/** A page of the project's imports, newest first, before the `before` id when given. */
export async function list(db: DB, projectId: string, opts: { limit: number; before?: string | undefined }): Promise<ImportsTable[]> {
  let q = db.selectFrom('imports').selectAll().where('project_id', '=', projectId).orderBy('id', 'desc').limit(opts.limit);
  if (opts.before) q = q.where('id', '<', opts.before);
  return (await q.execute()).map((r) => numeric(r)!);
}

/** The oldest import not yet finished (queued, or running when a process died), if any. */
export function nextUnfinished(db: DB): Promise<ImportsTable | undefined> {
  return db.selectFrom('imports').selectAll().where('state', 'in', ['queued', 'running']).orderBy('id').limit(1).executeTakeFirst().then(numeric);
}

export async function markRunning(db: DB, id: string, now: number): Promise<void> {
  await db.updateTable('imports').set({ state: 'running', started_at: now, updated_at: now }).where('id', '=', id).where('started_at', 'is', null).execute();
  await db.updateTable('imports').set({ state: 'running', updated_at: now }).where('id', '=', id).execute();
}

export interface Checkpoint {
  /** Where the next batch starts. */
  bytes_processed: number;
  line: number;
  created: number;
  updated: number;
  failed: number;
  now: number;
}

/** Moves the checkpoint and adds the batch's counts; runs in the batch's transaction. */
export async function checkpoint(db: DB, id: string, c: Checkpoint): Promise<void> {
  await db
    .updateTable('imports')
    .set((eb) => ({
      bytes_processed: c.bytes_processed,
      line: c.line,
      rows_created: eb('rows_created', '+', c.created),
      rows_updated: eb('rows_updated', '+', c.updated),
      rows_failed: eb('rows_failed', '+', c.failed),
      rows_processed: eb('rows_processed', '+', c.created + c.updated + c.failed),
      updated_at: c.now,
    }))
    .where('id', '=', id)
    .execute();
}

/** The import is over: rows_total becomes the rows it processed. */
export async function finish(db: DB, id: string, now: number): Promise<void> {
  await db
    .updateTable('imports')
    .set((eb) => ({ state: 'done', rows_total: eb.ref('rows_processed'), bytes_processed: eb.ref('bytes_total'), finished_at: now, updated_at: now }))
    .where('id', '=', id)
    .execute();
}

export async function fail(db: DB, id: string, error: string, now: number): Promise<void> {
  await db.updateTable('imports').set({ state: 'failed', error, finished_at: now, updated_at: now }).where('id', '=', id).execute();
}

export async function insertErrors(db: DB, rows: readonly NewImportError[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ERROR_BATCH) await db.insertInto('import_errors').values(rows.slice(i, i + ERROR_BATCH)).execute();
}

/** A page of the import's errors in file order, after the `after` id when given. */
export async function listErrors(db: DB, importId: string, opts: { limit: number; after?: number | undefined }): Promise<ImportErrorRow[]> {
  let q = db.selectFrom('import_errors').selectAll().where('import_id', '=', importId).orderBy('id').limit(opts.limit);
  if (opts.after !== undefined) q = q.where('id', '>', opts.after);
  return (await q.execute()).map((r) => ({ ...r, id: Number(r.id), line: Number(r.line) }));
}

/** bigint columns come back as numbers on SQLite, as strings on some drivers: numbers here. */
function numeric(r: ImportsTable | undefined): ImportsTable | undefined {
  if (!r) return r;
  return {
    ...r,
    bytes_total: Number(r.bytes_total),
    bytes_processed: Number(r.bytes_processed),
    line: Number(r.line),
    rows_total: r.rows_total === null ? null : Number(r.rows_total),
    rows_processed: Number(r.rows_processed),
    rows_created: Number(r.rows_created),
    rows_updated: Number(r.rows_updated),
    rows_failed: Number(r.rows_failed),
  };
}
