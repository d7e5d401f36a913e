// Finding where old rows end in a table whose ids grow with arrival (callbacks, ingest
// rejections), without an index on the arrival time: a binary search over ids, each probe one
// primary-key lookup. Scanning instead would read every old row, hundreds of milliseconds with the
// store's one connection held when a backlog of them is waiting to be pruned.
import type { DB } from './db.js';

type ArrivalTable = 'callbacks' | 'ingest_rejections';

/**
 * The id of the first row received at or after `at`, null when the newest is older. Stamps are
 * taken a moment before the insert, so they follow ids only roughly: the answer may be a few
 * rows off either way, and whoever deletes below it checks each row's own stamp too.
 */
export async function firstIdReceivedSince(db: DB, table: ArrivalTable, at: number): Promise<number | null> {
  // Two statements: SQLite reads min() or max() of the key from one end of the tree, but both in one scan the table.
  const first = await db.selectFrom(table).select('id').orderBy('id').limit(1).executeTakeFirst();
  const last = await db.selectFrom(table).select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!first || !last) return null;
  const atOrAfter = (id: number) => db.selectFrom(table).select(['id', 'received_at']).where('id', '>=', id).orderBy('id').limit(1).executeTakeFirst();
  // The answer is the first row at or above `lo`; every row below `lo` is older than `at`.
  let lo = Number(first.id);
  let hi = Number(last.id) + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = (await atOrAfter(mid))!;
    if (Number(r.received_at) >= at) hi = mid;
    else lo = Number(r.id) + 1;
  }
  const found = await atOrAfter(lo);
  return found ? Number(found.id) : null;
}
