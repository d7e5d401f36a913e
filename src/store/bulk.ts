// Inserts of message rows: one for a send, many for a campaign's fan-out. On SQLite cached
// prepared statements skip building and compiling a query each time (a fifth of the fan-out's
// time); other dialects take the Kysely path.
import type SQLite from 'better-sqlite3';
import { directSqlite, type DB } from './db.js';
import { prepared } from './prepared.js';
import type { MessagesTable } from './schema.js';

const COLUMNS = [
  'id', 'project_id', 'integration_id', 'campaign_id', 'customer_ref', 'customer_id', 'message_type', 'channel', 'recipient',
  'sender', 'sender_profile_id', 'body', 'content', 'media', 'parts', 'encoding', 'status', 'dispatch_state', 'attempts',
  'next_attempt_at', 'deadline_at', 'claimed_by', 'in_flight_at_crash', 'provider_message_id', 'sent_at_us', 'expects_reports',
  'last_error', 'idempotency_key', 'auto_reply', 'created_at', 'updated_at',
] as const satisfies readonly (keyof MessagesTable)[];

// Every column of the table, checked at compile time: a new column must be added above.
type Missing = Exclude<keyof MessagesTable, (typeof COLUMNS)[number]>;
const _allColumns: Missing extends never ? true : Missing = true;
void _allColumns;

/** One message, every column. */
export const insertMessage = prepared<MessagesTable>((db, p) => db.insertInto('messages').values(Object.fromEntries(COLUMNS.map((c) => [c, p[c]])) as unknown as MessagesTable));

const statements = new WeakMap<SQLite.Database, Map<number, SQLite.Statement>>();

function insertStatement(sqlite: SQLite.Database, rows: number): SQLite.Statement {
  let cache = statements.get(sqlite);
  if (!cache) statements.set(sqlite, (cache = new Map()));
  let stmt = cache.get(rows);
  if (!stmt) {
    const tuple = `(${COLUMNS.map(() => '?').join(',')})`;
    stmt = sqlite.prepare(
      `insert into messages (${COLUMNS.join(',')}) values ${Array.from({ length: rows }, () => tuple).join(',')} ` +
        'on conflict (campaign_id, customer_ref) where campaign_id is not null do nothing',
    );
    cache.set(rows, stmt);
  }
  return stmt;
}

/** Inserts campaign messages, skipping customers the campaign already reached (a resumed launch). */
export async function insertCampaignMessages(trx: DB, rows: MessagesTable[]): Promise<void> {
  if (rows.length === 0) return;
  const sqlite = directSqlite(trx);
  if (!sqlite) {
    for (let start = 0; start < rows.length; start += 500) {
      await trx
        .insertInto('messages')
        .values(rows.slice(start, start + 500))
        .onConflict((oc) => oc.columns(['campaign_id', 'customer_ref']).where('campaign_id', 'is not', null).doNothing())
        .execute();
    }
    return;
  }
  // Statements of at most 500 rows keep under SQLite's limit on bound parameters.
  for (let start = 0; start < rows.length; start += 500) {
    const slice = rows.slice(start, start + 500);
    const params: unknown[] = new Array(slice.length * COLUMNS.length);
    let i = 0;
    for (const row of slice) for (const c of COLUMNS) params[i++] = row[c];
    insertStatement(sqlite, slice.length).run(params);
  }
}
