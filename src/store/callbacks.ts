// The callbacks table: every provider callback, stored raw before it is answered and marked once
// it has been processed. What processing made of it is kept as text (see encodeOutcome). Processed
// ones are deleted after the retention period (callbacks/retention.ts).
import { sql, type Selectable } from 'kysely';
import { firstIdReceivedSince } from './arrival.js';
import { isPostgres, type DB } from './db.js';
import { prepared, preparedList } from './prepared.js';
import type { CallbackSource, CallbacksTable } from './schema.js';

export type CallbackRow = Selectable<CallbacksTable>;

export type NewCallback = Pick<CallbackRow, 'project_id' | 'source' | 'integration_id' | 'endpoint' | 'query' | 'content_type' | 'body' | 'body_hash' | 'received_at'>;

/** What one update of a callback came to. */
export type UpdateOutcome =
  | 'applied'
  | 'late_event'
  | 'duplicate'
  | 'conflict'
  | 'terminal'
  | 'unmatched'
  | 'outside_window'
  | 'ignored'
  /** A direct-send report whose client reference names no customer. */
  | 'no_uid';

/** What processing made of a callback. */
export type CallbackOutcome =
  /** Each distinct outcome of its updates, in the order first seen (none: nothing to apply). */
  | { kind: 'processed'; updates: UpdateOutcome[] }
  /** Its body could not be read, or its integration is gone. */
  | { kind: 'error'; reason: string };

const MAX_OUTCOME_CHARS = 500;

/** As stored: `applied,duplicate`, `ignored` when nothing applied, `error: …`. */
export function encodeOutcome(o: CallbackOutcome): string {
  if (o.kind === 'error') return `error: ${o.reason}`.slice(0, MAX_OUTCOME_CHARS);
  return o.updates.length ? o.updates.join(',') : 'ignored';
}

function insertCallback(db: DB, p: NewCallback) {
  return db.insertInto('callbacks').values({
    project_id: p.project_id,
    source: p.source,
    integration_id: p.integration_id,
    endpoint: p.endpoint,
    query: p.query,
    content_type: p.content_type,
    body: p.body,
    body_hash: p.body_hash,
    received_at: p.received_at,
    processed_at: null,
    defer_until: null,
    outcome: null,
  });
}

const insertStatement = prepared<NewCallback, { id: number }>((db, p) => insertCallback(db, p).returning('id'));

// The same content from the same source is stored once (migration 014's unique indexes).
const insertNewStatement = prepared<NewCallback, { id: number }>((db, p) =>
  insertCallback(db, p)
    .onConflict((oc) => oc.doNothing())
    .returning('id'),
);

/** Stores a callback, pending; returns its id. The same content from the same source stored already fails. */
export async function insert(db: DB, r: NewCallback): Promise<number> {
  return Number((await insertStatement.first(db, r))!.id);
}

/**
 * Stores a callback, pending, unless the same content from the same source is stored already
 * (by another process, or before this process's memory of recent digests reaches back): its id,
 * or null for such a repeat. One statement (INSERT … ON CONFLICT DO NOTHING) on either store.
 */
export async function insertUnlessStored(db: DB, r: NewCallback): Promise<number | null> {
  const row = await insertNewStatement.first(db, r);
  return row ? Number(row.id) : null;
}

/** What the unique indexes of migration 014 hold a callback's content unique by. */
function digestKey(r: Pick<CallbackRow, 'source' | 'project_id' | 'integration_id' | 'body_hash'>): string {
  return r.source === 'webhook' ? `webhook ${r.integration_id} ${r.body_hash}` : `${r.source} ${r.project_id} ${r.body_hash}`;
}

/**
 * Stores each callback, pending, unless the same content from the same source is stored already
 * or comes earlier in `rows`: for each, its id or null for such a repeat. On PostgreSQL one
 * statement for all (a statement per callback is a round trip each); on SQLite one per callback,
 * which costs no round trip there.
 */
export async function insertManyUnlessStored(db: DB, rows: readonly NewCallback[]): Promise<(number | null)[]> {
  if (rows.length === 0) return [];
  if (!isPostgres(db)) {
    const ids: (number | null)[] = [];
    for (const r of rows) ids.push(await insertUnlessStored(db, r));
    return ids;
  }
  const column = <K extends keyof NewCallback>(k: K) => rows.map((r) => r[k]);
  const { rows: inserted } = await sql<Pick<CallbackRow, 'id' | 'source' | 'project_id' | 'integration_id' | 'body_hash'>>`
    insert into callbacks (project_id, source, integration_id, endpoint, query, content_type, body, body_hash, received_at)
    select * from unnest(${column('project_id')}::text[], ${column('source')}::text[], ${column('integration_id')}::text[], ${column('endpoint')}::text[],
      ${column('query')}::text[], ${column('content_type')}::text[], ${column('body')}::bytea[], ${column('body_hash')}::text[], ${column('received_at')}::int8[])
    on conflict do nothing
    returning id, source, project_id, integration_id, body_hash`.execute(db);
  const ids = new Map(inserted.map((r) => [digestKey(r), Number(r.id)]));
  // A repeat within `rows` maps to the same key: only its first row was stored.
  return rows.map((r) => {
    const key = digestKey(r);
    const id = ids.get(key) ?? null;
    ids.delete(key);
    return id;
  });
}

/** The newest callbacks' integration and body hash, newest first. */
export function recentDigests(db: DB, limit: number): Promise<Pick<CallbackRow, 'source' | 'project_id' | 'integration_id' | 'body_hash'>[]> {
  return db.selectFrom('callbacks').select(['source', 'project_id', 'integration_id', 'body_hash']).orderBy('id', 'desc').limit(limit).execute();
}

const newestStatement = prepared<Record<string, never>, { id: number }>((db) => db.selectFrom('callbacks').select('id').orderBy('id', 'desc').limit(1));

/** The id of the newest callback, 0 when there is none. */
export async function newestId(db: DB): Promise<number> {
  return Number((await newestStatement.first(db, {}))?.id ?? 0);
}

const dueStatement = prepared<{ now: number; limit: number }, CallbackRow>((db, p) => {
  const due = db
    .selectFrom('callbacks')
    .selectAll()
    .where('processed_at', 'is', null)
    .where((eb) => eb.or([eb('defer_until', 'is', null), eb('defer_until', '<=', p.now)]))
    .orderBy('id')
    .limit(p.limit);
  // Several processes on one PostgreSQL store: each batch holds its rows until it commits, and
  // another process's batch passes over them rather than applying them a second time.
  return isPostgres(db) ? due.forUpdate().skipLocked() : due;
});

/**
 * Pending callbacks not deferred past `now`, oldest first. On PostgreSQL, called in the batch's
 * transaction, they are locked for it (those another batch holds are left out).
 */
export function listDue(db: DB, now: number, limit: number): Promise<CallbackRow[]> {
  return dueStatement.rows(db, { now, limit });
}

/**
 * Of these callbacks, the ones still pending, locked for the caller's transaction; those another
 * process's batch holds or has processed are left out. PostgreSQL only: SQLite has one process.
 */
export async function lockPending(db: DB, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('callbacks').select('id').where('id', 'in', [...ids]).where('processed_at', 'is', null).forUpdate().skipLocked().execute();
  return new Set(rows.map((r) => Number(r.id)));
}

const nextDeferredStatement = prepared<{ now: number }, { at: number | null }>((db, p) =>
  db
    .selectFrom('callbacks')
    .select((eb) => eb.fn.min('defer_until').as('at'))
    .where('processed_at', 'is', null)
    .where('defer_until', '>', p.now),
);

/** When the earliest callback deferred past `now` falls due; null when none is. */
export async function nextDeferredAt(db: DB, now: number): Promise<number | null> {
  const at = (await nextDeferredStatement.first(db, { now }))?.at;
  return at == null ? null : Number(at);
}

const deferStatement = prepared<{ id: number; until: number }>((db, p) => db.updateTable('callbacks').set({ defer_until: p.until }).where('id', '=', p.id));

/** Leaves the callback pending until `until`. */
export async function defer(db: DB, id: number, until: number): Promise<void> {
  await deferStatement.execute(db, { id, until });
}

const processedStatement = preparedList<{ outcome: string; now: number }>((db, p, ids) =>
  db
    .updateTable('callbacks')
    .set({ processed_at: p.now, outcome: p.outcome, defer_until: null })
    .where('id', 'in', ids as number[]),
);

/** Marks these callbacks processed, all with one outcome. */
export async function markProcessed(db: DB, ids: readonly number[], outcome: CallbackOutcome, now: number): Promise<void> {
  await processedStatement.changes(db, { outcome: encodeOutcome(outcome), now }, ids);
}

export async function countPending(db: DB): Promise<number> {
  const r = await db.selectFrom('callbacks').select((eb) => eb.fn.countAll<number>().as('n')).where('processed_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Pending callbacks per origin: how many, and their bodies' bytes. */
export interface PendingTotals {
  source: CallbackSource;
  project_id: string;
  integration_id: string | null;
  count: number;
  bytes: number;
}

/** What is pending, per origin (the partial index `callbacks_pending` holds only pending rows). */
export async function pendingBySource(db: DB): Promise<PendingTotals[]> {
  const rows = await db
    .selectFrom('callbacks')
    .select((eb) => ['source', 'project_id', 'integration_id', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>(eb.fn('length', ['body'])).as('bytes')])
    .where('processed_at', 'is', null)
    .groupBy(['source', 'project_id', 'integration_id'])
    .execute();
  return rows.map((r) => ({ ...r, count: Number(r.count), bytes: Number(r.bytes ?? 0) }));
}

/**
 * The id of the first callback received at or after `at` (roughly: arrival.ts), null when none
 * was. Ids grow with arrival, so the older callbacks lie below it: pruning deletes there, walking
 * the rowid from the start (after a round only the few pending ones are left there) rather than
 * needing an index on age.
 */
export async function firstIdSince(db: DB, at: number): Promise<number | null> {
  return firstIdReceivedSince(db, 'callbacks', at);
}

/**
 * Deletes up to `limit` processed callbacks received before `before` with ids below `belowId`
 * (firstIdSince; null: no bound), oldest first; returns how many. Pending ones are kept whatever
 * their age: each was acknowledged to its provider.
 */
export async function deleteProcessedBefore(db: DB, before: number, belowId: number | null, limit: number): Promise<number> {
  let old = db.selectFrom('callbacks').select('id').where('processed_at', 'is not', null).where('received_at', '<', before);
  if (belowId !== null) old = old.where('id', '<', belowId);
  const r = await db.deleteFrom('callbacks').where('id', 'in', old.orderBy('id').limit(limit)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
