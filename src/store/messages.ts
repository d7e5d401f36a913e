// The messages table: inserts (one for a send, many for a campaign's fan-out), the dispatch
// queue (claims, retries, cancellations) and status writes. Which status a message takes is
// decided in src/messages/; this module only writes it.
import type SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Channel } from '../core/status.js';
import { scrubLastError } from '../core/erasure.js';
import type { MessageStatus } from '../messages/status.js';
import { directSqlite, isPostgres, type DB } from './db.js';
import { prepared, preparedList, type Placeholders } from './prepared.js';
import type { MessagesTable } from './schema.js';

const COLUMNS = [
  'id', 'project_id', 'integration_id', 'campaign_id', 'customer_ref', 'customer_id', 'message_type', 'channel', 'recipient',
  'sender', 'sender_profile_id', 'body', 'content', 'media', 'parts', 'encoding', 'status', 'dispatch_state', 'attempts',
  'next_attempt_at', 'deadline_at', 'claimed_by', 'possible_duplicate', 'request_started_at', 'unconfirmed_since', 'provider_message_id', 'sent_at_us', 'expects_reports',
  'last_error', 'idempotency_key', 'idempotency_fingerprint', 'auto_reply', 'fallback_of', 'fallback_plan', 'fallback_skipped', 'fallback_message_id', 'created_at', 'updated_at',
] as const satisfies readonly (keyof MessagesTable)[];

/** Each column's PostgreSQL array type, for inserting rows as one array per column. */
const PG_ARRAY_TYPES: Record<(typeof COLUMNS)[number], 'text[]' | 'int4[]' | 'int8[]'> = {
  id: 'text[]', project_id: 'text[]', integration_id: 'text[]', campaign_id: 'text[]', customer_ref: 'text[]', customer_id: 'text[]',
  message_type: 'text[]', channel: 'text[]', recipient: 'text[]', sender: 'text[]', sender_profile_id: 'text[]', body: 'text[]',
  content: 'text[]', media: 'text[]', parts: 'int4[]', encoding: 'text[]', status: 'text[]', dispatch_state: 'text[]', attempts: 'int4[]',
  next_attempt_at: 'int8[]', deadline_at: 'int8[]', claimed_by: 'text[]', possible_duplicate: 'int4[]', request_started_at: 'int8[]',
  unconfirmed_since: 'int8[]', provider_message_id: 'text[]', sent_at_us: 'int8[]', expects_reports: 'int4[]', last_error: 'text[]',
  idempotency_key: 'text[]', idempotency_fingerprint: 'text[]', auto_reply: 'int4[]', fallback_of: 'text[]', fallback_plan: 'text[]',
  fallback_skipped: 'text[]', fallback_message_id: 'text[]', created_at: 'int8[]', updated_at: 'int8[]',
};

// Every column of the table, checked at compile time: a new column must be added above.
type Missing = Exclude<keyof MessagesTable, (typeof COLUMNS)[number]>;
const _allColumns: Missing extends never ? true : Missing = true;
void _allColumns;

/** Every column, each from its placeholder. */
const rowValues = (p: Placeholders<MessagesTable>) => Object.fromEntries(COLUMNS.map((c) => [c, p[c]])) as unknown as MessagesTable;

const insertOne = prepared<MessagesTable>((db, p) => db.insertInto('messages').values(rowValues(p)));

/** One message, every column. */
export async function insert(db: DB, row: MessagesTable): Promise<void> {
  await insertOne.execute(db, row);
}

// A send with an Idempotency-Key that another process (or transaction) stored first is not an
// error: the index decides which came first, and the caller replays that one.
const insertKeyed = prepared<MessagesTable>((db, p) =>
  db
    .insertInto('messages')
    .values(rowValues(p))
    .onConflict((oc) => oc.columns(['project_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing()),
);

/** One message with an idempotency key: false, and nothing written, when the project has a message with that key already. */
export async function insertUnlessKeyTaken(db: DB, row: MessagesTable): Promise<boolean> {
  return (await insertKeyed.changes(db, row)) === 1;
}

// Campaign fan-out: on SQLite, cached multi-row statements skip building and compiling a query
// each time (a fifth of the fan-out's time); other dialects take the Kysely path. Most columns hold
// the same value in every row of a campaign (its ids, channel, sender, the initial state): those
// are bound once per statement as named parameters and only the rest per row, which halves the
// insert's CPU time (binding a value costs more than SQLite takes to store it).
const statements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
/** Statement shapes kept per connection: a launch uses one or two (a full page and its tail). */
const MAX_SHAPES = 16;

/** Which columns have the same value in every row (a bit per column of COLUMNS). */
function constantColumns(rows: readonly MessagesTable[]): boolean[] {
  const first = rows[0]!;
  return COLUMNS.map((c) => {
    const v = first[c];
    for (let i = 1; i < rows.length; i++) if (rows[i]![c] !== v) return false;
    return true;
  });
}

function insertStatement(sqlite: SQLite.Database, rows: number, constant: boolean[]): SQLite.Statement {
  let cache = statements.get(sqlite);
  if (!cache) statements.set(sqlite, (cache = new Map<string, SQLite.Statement>()));
  const key = `${rows}:${constant.map((k) => (k ? 1 : 0)).join('')}`;
  let stmt = cache.get(key);
  if (!stmt) {
    const tuple = `(${COLUMNS.map((c, i) => (constant[i] ? `@${c}` : '?')).join(',')})`;
    stmt = sqlite.prepare(
      `insert into messages (${COLUMNS.join(',')}) values ${Array.from({ length: rows }, () => tuple).join(',')} ` +
        'on conflict (campaign_id, customer_ref, channel) where campaign_id is not null do nothing',
    );
    if (cache.size >= MAX_SHAPES) cache.delete(cache.keys().next().value!);
    cache.set(key, stmt);
  }
  return stmt;
}

/** Inserts campaign messages, skipping customers the campaign already reached (a resumed launch). */
export async function insertForCampaign(trx: DB, rows: MessagesTable[]): Promise<void> {
  if (rows.length === 0) return;
  const sqlite = directSqlite(trx);
  if (!sqlite) {
    // A column that varies goes in as one array, unnested into rows; one the same in every row
    // (most of them: the campaign's ids, channel, sender, initial state) as one value. A statement
    // has a few dozen parameters however many rows, and neither the driver nor the server
    // serialises or parses a value per row for the constant ones.
    const constant = constantColumns(rows);
    const varying = COLUMNS.filter((_, i) => !constant[i]);
    const arrays = varying.map((c) => sql`${rows.map((r) => r[c])}::${sql.raw(PG_ARRAY_TYPES[c])}`);
    const selected = COLUMNS.map((c, i) => (constant[i] ? sql`${rows[0]![c]}::${sql.raw(PG_ARRAY_TYPES[c].slice(0, -2))}` : sql.ref(`u.${c}`)));
    const from = varying.length > 0 ? sql`from unnest(${sql.join(arrays)}) as u(${sql.join(varying.map((c) => sql.ref(c)))})` : sql``;
    await sql`insert into messages (${sql.join(COLUMNS.map((c) => sql.ref(c)))})
      select ${sql.join(selected)} ${from}
      on conflict (campaign_id, customer_ref, channel) where campaign_id is not null do nothing`.execute(trx);
    return;
  }
  // Statements of at most 500 rows keep under SQLite's limit on bound parameters.
  for (let start = 0; start < rows.length; start += 500) {
    const slice = rows.slice(start, start + 500);
    const constant = constantColumns(slice);
    const named: Record<string, unknown> = {};
    const varying: (keyof MessagesTable)[] = [];
    COLUMNS.forEach((c, i) => {
      if (constant[i]) named[c] = slice[0]![c];
      else varying.push(c);
    });
    const params: unknown[] = new Array(slice.length * varying.length);
    let i = 0;
    for (const row of slice) for (const c of varying) params[i++] = row[c];
    insertStatement(sqlite, slice.length, constant).run(named, params);
  }
}

const byId = prepared<{ id: string }, MessagesTable>((db, p) => db.selectFrom('messages').selectAll().where('id', '=', p.id));

export function find(db: DB, id: string): Promise<MessagesTable | undefined> {
  return byId.first(db, { id });
}

export function findInProject(db: DB, projectId: string, id: string): Promise<MessagesTable | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
}

export function findByIdempotencyKey(db: DB, projectId: string, key: string): Promise<MessagesTable | undefined> {
  return db.selectFrom('messages').selectAll().where('project_id', '=', projectId).where('idempotency_key', '=', key).executeTakeFirst();
}

const byIds = preparedList<Record<string, never>, MessagesTable>((db, _p, ids) => db.selectFrom('messages').selectAll().where('id', 'in', ids as string[]));

export function listByIds(db: DB, ids: readonly string[]): Promise<MessagesTable[]> {
  return byIds.rows(db, {}, ids);
}

const byProviderIds = preparedList<{ integration_id: string }, MessagesTable>((db, p, ids) =>
  db
    .selectFrom('messages')
    .selectAll()
    .where('integration_id', '=', p.integration_id)
    .where('provider_message_id', 'in', ids as string[]),
);

/** The integration's messages with these provider ids (a batch id may name several recipients). */
export function listByProviderIds(db: DB, integrationId: string, providerIds: readonly string[]): Promise<MessagesTable[]> {
  return byProviderIds.rows(db, { integration_id: integrationId }, providerIds);
}

const byIdsLocked = preparedList<Record<string, never>, MessagesTable>((db, _p, ids) => {
  const q = db.selectFrom('messages').selectAll().where('id', 'in', ids as string[]);
  return isPostgres(db) ? q.orderBy('id').forUpdate() : q;
});

const byProviderIdsLocked = preparedList<{ integration_id: string }, MessagesTable>((db, p, ids) => {
  const q = db
    .selectFrom('messages')
    .selectAll()
    .where('integration_id', '=', p.integration_id)
    .where('provider_message_id', 'in', ids as string[]);
  return isPostgres(db) ? q.orderBy('id').forUpdate() : q;
});

/**
 * listByIds for a batch of reports about to change these messages: on PostgreSQL they are locked
 * for the caller's transaction (in id order, so two batches cannot deadlock on them), so a batch
 * in another process waits and then reads what this one wrote, rather than overwriting a status
 * it never saw. SQLite runs one transaction at a time anyway.
 */
export function listByIdsForUpdate(db: DB, ids: readonly string[]): Promise<MessagesTable[]> {
  return byIdsLocked.rows(db, {}, ids);
}

/** listByProviderIds, locked as listByIdsForUpdate. */
export function listByProviderIdsForUpdate(db: DB, integrationId: string, providerIds: readonly string[]): Promise<MessagesTable[]> {
  return byProviderIdsLocked.rows(db, { integration_id: integrationId }, providerIds);
}

export interface MessageListFilter {
  status?: MessageStatus;
  /** With status: only on these channels (a refusal is spelled per channel in the API). */
  statusChannels?: readonly Channel[];
  dispatchState?: MessagesTable['dispatch_state'];
  channel?: Channel;
  integrationId?: string;
  campaignId?: string;
  customerRef?: string;
  recipient?: string;
  /** created_at bounds in ms, inclusive from, exclusive to. */
  createdFrom?: number;
  createdTo?: number;
  possibleDuplicate?: boolean;
  /** Only messages with an id lower than this (the cursor: ids are time-ordered). */
  before?: string;
  limit: number;
}

/** A project's messages matching the filter, newest first, up to `limit`. */
export function list(db: DB, projectId: string, f: MessageListFilter): Promise<MessagesTable[]> {
  let q = db.selectFrom('messages').selectAll().where('project_id', '=', projectId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.statusChannels !== undefined) q = q.where('channel', 'in', [...f.statusChannels]);
  if (f.dispatchState !== undefined) q = q.where('dispatch_state', '=', f.dispatchState);
  if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
  if (f.integrationId !== undefined) q = q.where('integration_id', '=', f.integrationId);
  if (f.campaignId !== undefined) q = q.where('campaign_id', '=', f.campaignId);
  if (f.customerRef !== undefined) q = q.where('customer_ref', '=', f.customerRef);
  if (f.recipient !== undefined) q = q.where('recipient', '=', f.recipient);
  if (f.createdFrom !== undefined) q = q.where('created_at', '>=', f.createdFrom);
  if (f.createdTo !== undefined) q = q.where('created_at', '<', f.createdTo);
  if (f.possibleDuplicate !== undefined) q = q.where('possible_duplicate', '=', f.possibleDuplicate ? 1 : 0);
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

/** Queued messages per integration, and of them those that failed an attempt already (for /metrics). */
export async function queueDepths(db: DB): Promise<{ integration_id: string; queued: number; retrying: number }[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['integration_id', sql<number>`count(*)`.as('queued'), sql<number>`sum(case when attempts > 0 then 1 else 0 end)`.as('retrying')])
    .where('dispatch_state', '=', 'queued')
    .groupBy('integration_id')
    .execute();
  return rows.map((r) => ({ integration_id: r.integration_id, queued: Number(r.queued), retrying: Number(r.retrying) }));
}

// ---- The dispatch queue ----

/**
 * The state a message goes back to when it returns to the queue (a retry, a claim handed back):
 * `paused` while its campaign is paused, so it waits with the rest of the campaign.
 */
const backToQueue = sql<'queued' | 'paused'>`case when campaign_id is not null and exists (select 1 from campaigns where campaigns.id = messages.campaign_id and campaigns.state = 'paused') then 'paused' else 'queued' end`;

const claimDueStatement = prepared<{ integration_id: string; worker: string; now: number; limit: number }, MessagesTable>((db, p) =>
  db
    .updateTable('messages')
    .set({ dispatch_state: 'sending', claimed_by: p.worker, updated_at: p.now })
    .where('id', 'in', (eb) => {
      const due = eb
        .selectFrom('messages')
        .select('id')
        .where('integration_id', '=', p.integration_id)
        .where('dispatch_state', '=', 'queued')
        .where('next_attempt_at', '<=', p.now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(p.limit);
      // Several processes on one PostgreSQL database: rows another claim holds are passed over
      // rather than waited for (SQLite has one writer at a time anyway).
      return isPostgres(db) ? due.forUpdate().skipLocked() : due;
    })
    .where('dispatch_state', '=', 'queued')
    .returningAll(),
);

/**
 * Claims for `worker` the integration's `limit` oldest due messages (by next_attempt_at, then
 * id). They come back in no set order (RETURNING has none; SQLite gives them in id order): the
 * caller sorts them.
 */
export function claimDue(db: DB, p: { integrationId: string; worker: string; now: number; limit: number }): Promise<MessagesTable[]> {
  return claimDueStatement.rows(db, { integration_id: p.integrationId, worker: p.worker, now: p.now, limit: p.limit });
}

const nextDueStatement = prepared<{ integration_id: string }, { t: number | null }>((db, p) =>
  db
    .selectFrom('messages')
    .select(sql<number | null>`min(next_attempt_at)`.as('t'))
    .where('integration_id', '=', p.integration_id)
    .where('dispatch_state', '=', 'queued'),
);

/** When the integration's earliest queued message falls due; null when none is queued. */
export async function nextDueAt(db: DB, integrationId: string): Promise<number | null> {
  const t = (await nextDueStatement.first(db, { integration_id: integrationId }))?.t;
  return t == null ? null : Number(t);
}

/**
 * Puts back what a dead process had claimed. A message whose request had started may have
 * reached the provider: that attempt counts, and its outcome is unknown from then on. The others
 * never left and go back untouched. Returns how many were put back.
 *
 * With `integrationId`, only that integration's claims: several processes share a PostgreSQL
 * store, and only the holder of an integration's sender lease claims its messages, so what is
 * claimed when a process takes the lease over was left by a holder that is gone (or that handed
 * everything back before letting go). Without it, every claim: one process alone on the store.
 */
export async function requeueInterrupted(db: DB, now: number, integrationId?: string): Promise<number> {
  let q = db
    .updateTable('messages')
    .set({
      dispatch_state: backToQueue,
      claimed_by: null,
      attempts: sql`case when request_started_at is null then attempts else attempts + 1 end`,
      unconfirmed_since: sql`coalesce(unconfirmed_since, request_started_at)`,
      request_started_at: null,
      updated_at: now,
    })
    .where('dispatch_state', '=', 'sending');
  if (integrationId !== undefined) q = q.where('integration_id', '=', integrationId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

const requestStartedStatement = prepared<{ id: string; now: number }>((db, p) =>
  db
    .updateTable('messages')
    .set({
      request_started_at: p.now,
      // A second request while an earlier one's outcome is unknown: the provider may get both.
      possible_duplicate: sql`case when unconfirmed_since is null then possible_duplicate else 1 end`,
    })
    .where('id', '=', p.id)
    .where('dispatch_state', '=', 'sending'),
);

/** Records that a request for the message is about to be written. */
export async function markRequestStarted(db: DB, id: string, now: number): Promise<void> {
  await requestStartedStatement.execute(db, { id, now });
}

/**
 * Hands claimed, never-sent messages back to the queue untouched (as `paused` while their
 * campaign is). With `by`, only while that worker's claim still holds: a process that lost its
 * leases must not hand back what another has taken over since.
 */
export async function releaseClaims(db: DB, ids: readonly string[], by?: string): Promise<void> {
  if (ids.length === 0) return;
  let q = db.updateTable('messages').set({ dispatch_state: backToQueue, claimed_by: null }).where('id', 'in', ids).where('dispatch_state', '=', 'sending');
  if (by !== undefined) q = q.where('claimed_by', '=', by);
  await q.execute();
}

/**
 * Moves claimed messages that never left to another integration of the same project (provider
 * failover, docs/failover.md): its id, its sender, back on the queue as they were due. Only while
 * `worker` holds the claim and no request of the message was started or left unanswered: what
 * may have reached a provider is never sent through another. Returns the ids moved.
 */
export async function repoint(
  db: DB,
  p: { ids: readonly string[]; from: string; to: string; sender: string | null; senderProfileId: string | null; worker: string; now: number },
): Promise<string[]> {
  if (p.ids.length === 0) return [];
  const rows = await db
    .updateTable('messages')
    .set({ integration_id: p.to, sender: p.sender, sender_profile_id: p.senderProfileId, dispatch_state: backToQueue, claimed_by: null, updated_at: p.now })
    .where('id', 'in', p.ids)
    .where('integration_id', '=', p.from)
    .where('dispatch_state', '=', 'sending')
    .where('claimed_by', '=', p.worker)
    .where('request_started_at', 'is', null)
    .where('unconfirmed_since', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Why a message was taken off the queue unsent. */
export type CancelReason = 'opted_out' | 'integration_deleted' | 'customer_erased' | 'campaign_cancelled';

/** Cancels claimed, unsent messages (with `by`, only that worker's claims: see releaseClaims); returns how many. */
export async function cancelClaimed(db: DB, ids: readonly string[], reason: CancelReason, now: number, by?: string): Promise<number> {
  if (ids.length === 0) return 0;
  let q = db
    .updateTable('messages')
    .set({ dispatch_state: 'cancelled', claimed_by: null, last_error: JSON.stringify({ reason }), updated_at: now })
    .where('id', 'in', ids)
    .where('dispatch_state', '=', 'sending');
  if (by !== undefined) q = q.where('claimed_by', '=', by);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Messages a dead process had claimed for a campaign cancelled since, whose request never
 * started: they never reached a provider, so the cancel applies to them (read at start, before
 * they are put back in the queue).
 */
export function claimedOfCancelledCampaigns(db: DB, integrationId?: string): Promise<MessagesTable[]> {
  let q = db.selectFrom('messages');
  if (integrationId !== undefined) q = q.where('integration_id', '=', integrationId);
  return q
    .selectAll()
    .where('dispatch_state', '=', 'sending')
    .where('request_started_at', 'is', null)
    .where('unconfirmed_since', 'is', null)
    .where('campaign_id', 'in', (eb) => eb.selectFrom('campaigns').select('id').where('state', '=', 'cancelled'))
    .execute();
}

/**
 * Moves the campaign's messages in one dispatch state to another (queued → paused, paused →
 * queued): the claim query looks at `queued` rows only, so it stays as fast as before. One
 * statement over the campaign's index; returns how many moved.
 */
export async function moveCampaignMessages(db: DB, campaignId: string, from: 'queued' | 'paused', to: 'queued' | 'paused', now: number): Promise<number> {
  const r = await db
    .updateTable('messages')
    .set({ dispatch_state: to, updated_at: now })
    .where('campaign_id', '=', campaignId)
    .where('dispatch_state', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Cancels what of the campaign is still waiting (queued or paused): never a message claimed by a
 * sender, nor one that may have reached a provider (an attempt's outcome unknown). Returns how many.
 */
export async function cancelQueuedOfCampaign(db: DB, campaignId: string, now: number): Promise<number> {
  const r = await db
    .updateTable('messages')
    .set({ dispatch_state: 'cancelled', last_error: JSON.stringify({ reason: 'campaign_cancelled' satisfies CancelReason }), updated_at: now })
    .where('campaign_id', '=', campaignId)
    .where('dispatch_state', 'in', ['queued', 'paused'])
    // An earlier attempt's outcome unknown: it may be at the provider already.
    .where('unconfirmed_since', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Of these customers, those with at least `atLeast` campaign messages since `sinceId` (an id
 * floor: ids are ordered by creation time), other campaigns than `exceptCampaign` only, not
 * counting what was cancelled or refused unsent, nor fallbacks (a fallback stands in for its
 * message: one communication). One grouped query over messages_customer (customer_ref, id).
 */
export async function customersAtCap(db: DB, customerRefs: readonly string[], sinceId: string, exceptCampaign: string, atLeast: number): Promise<Set<string>> {
  if (customerRefs.length === 0) return new Set();
  const rows = await db
    .selectFrom('messages')
    .select('customer_ref')
    .where('customer_ref', 'in', [...customerRefs])
    .where('id', '>=', sinceId)
    .where('campaign_id', 'is not', null)
    .where('campaign_id', '!=', exceptCampaign)
    .where('dispatch_state', '!=', 'cancelled')
    .where('status', '!=', 'refused')
    .where('fallback_of', 'is', null)
    .groupBy('customer_ref')
    .having(sql<number>`count(*)`, '>=', atLeast)
    .execute();
  return new Set(rows.map((r) => r.customer_ref));
}

/** Cancels what is queued for the integration. */
export async function cancelQueuedOfIntegration(db: DB, integrationId: string, reason: CancelReason, now: number): Promise<void> {
  await db
    .updateTable('messages')
    .set({ dispatch_state: 'cancelled', last_error: JSON.stringify({ reason }), updated_at: now })
    .where('integration_id', '=', integrationId)
    .where('dispatch_state', '=', 'queued')
    .execute();
}

/** Cancels what is queued for the customer on these channels, keyword auto-replies excepted. */
export async function cancelQueuedForCustomer(db: DB, customerRef: string, channels: readonly Channel[], now: number): Promise<void> {
  // `in ()` is no valid SQL on every database.
  if (channels.length === 0) return;
  await db
    .updateTable('messages')
    .set({ dispatch_state: 'cancelled', last_error: JSON.stringify({ reason: 'opted_out' satisfies CancelReason }), updated_at: now })
    .where('customer_ref', '=', customerRef)
    .where('channel', 'in', channels)
    .where('dispatch_state', '=', 'queued')
    .where('auto_reply', '=', 0)
    .execute();
}

// ---- Send outcomes and reports ----

const acceptedStatement = prepared<Pick<MessagesTable, 'id' | 'provider_message_id' | 'sent_at_us' | 'parts' | 'attempts' | 'updated_at'>>((db, p) =>
  db
    .updateTable('messages')
    .set({
      // Forward-only even here: after a crash, reports of the first send may already have moved it on.
      status: sql`case when status = 'pending' then 'accepted' else status end`,
      dispatch_state: 'done',
      provider_message_id: p.provider_message_id,
      sent_at_us: p.sent_at_us,
      parts: p.parts,
      attempts: p.attempts,
      claimed_by: null,
      request_started_at: null,
      unconfirmed_since: null,
      last_error: null,
      updated_at: p.updated_at,
    })
    .where('id', '=', p.id),
);

export async function markAccepted(db: DB, p: Pick<MessagesTable, 'id' | 'provider_message_id' | 'sent_at_us' | 'parts' | 'attempts' | 'updated_at'>): Promise<void> {
  await acceptedStatement.execute(db, p);
}

type RetryParams = Pick<MessagesTable, 'id' | 'next_attempt_at' | 'attempts' | 'unconfirmed_since' | 'last_error' | 'updated_at'>;

const retryStatement = prepared<RetryParams>((db, p) =>
  db
    .updateTable('messages')
    .set({
      dispatch_state: backToQueue,
      next_attempt_at: p.next_attempt_at,
      attempts: p.attempts,
      claimed_by: null,
      request_started_at: null,
      unconfirmed_since: p.unconfirmed_since,
      last_error: p.last_error,
      updated_at: p.updated_at,
    })
    .where('id', '=', p.id),
);

export async function markRetry(db: DB, p: RetryParams): Promise<void> {
  await retryStatement.execute(db, p);
}

type RefusedParams = Pick<MessagesTable, 'id' | 'attempts' | 'sent_at_us' | 'unconfirmed_since' | 'last_error' | 'updated_at'>;

const refusedStatement = prepared<RefusedParams>((db, p) =>
  db
    .updateTable('messages')
    .set({
      status: 'refused',
      dispatch_state: 'done',
      attempts: p.attempts,
      claimed_by: null,
      sent_at_us: p.sent_at_us,
      request_started_at: null,
      unconfirmed_since: p.unconfirmed_since,
      last_error: p.last_error,
      updated_at: p.updated_at,
    })
    .where('id', '=', p.id),
);

/** Refused; `unconfirmed_since` kept when an attempt's outcome stayed unknown, so its reports still count. */
export async function markRefused(db: DB, p: RefusedParams): Promise<void> {
  await refusedStatement.execute(db, p);
}

const confirmedStatement = prepared<{ id: string; provider_message_id: string | null; sent_at_us: number; updated_at: number }>((db, p) =>
  db
    .updateTable('messages')
    .set({
      status: 'accepted',
      dispatch_state: 'done',
      provider_message_id: sql`coalesce(${p.provider_message_id}, provider_message_id)`,
      sent_at_us: p.sent_at_us,
      claimed_by: null,
      unconfirmed_since: null,
      updated_at: p.updated_at,
    })
    .where('id', '=', p.id)
    .where('unconfirmed_since', 'is not', null)
    // Queued for another try, or refused when the tries ran out; never while a send is under way.
    .where((eb) => eb.or([eb('dispatch_state', '=', 'queued'), eb.and([eb('dispatch_state', '=', 'done'), eb('status', '=', 'refused')])])),
);

/**
 * Records that the provider took a message whose send outcome was unknown, as a report or a
 * lookup showed. False when the message is not (or no longer) in that state: a send of it is
 * under way, or it was confirmed meanwhile.
 */
export async function markConfirmed(db: DB, p: { id: string; provider_message_id: string | null; sent_at_us: number; updated_at: number }): Promise<boolean> {
  return (await confirmedStatement.changes(db, p)) > 0;
}

const setStatusStatement = preparedList<{ status: MessageStatus; now: number }>((db, p, ids) =>
  db
    .updateTable('messages')
    .set({ status: p.status, updated_at: p.now })
    .where('id', 'in', ids as string[]),
);

/** Sets the status of these messages. */
export async function setStatus(db: DB, status: MessageStatus, ids: readonly string[], now: number): Promise<void> {
  await setStatusStatement.changes(db, { status, now }, ids);
}

// ---- Channel fallback ----

/**
 * Queues the fallback of `row.fallback_of`, unless that message has one already (the unique
 * index on the link): returns whether this one was stored. Duplicated or reordered reports, or
 * two processes deciding at once, store one fallback at most.
 */
export async function insertFallback(db: DB, row: MessagesTable & { fallback_of: string }): Promise<boolean> {
  const res = await db
    .insertInto('messages')
    .values(row)
    .onConflict((oc) => oc.column('fallback_of').where('fallback_of', 'is not', null).doNothing())
    .executeTakeFirst();
  if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
  await db.updateTable('messages').set({ fallback_message_id: row.id, updated_at: row.created_at }).where('id', '=', row.fallback_of).execute();
  return true;
}

/** Records which fallback channels a message passed over, and why. */
export async function setFallbackSkipped(db: DB, id: string, skipped: string, now: number): Promise<void> {
  await db.updateTable('messages').set({ fallback_skipped: skipped, updated_at: now }).where('id', '=', id).execute();
}

// ---- Erasing a customer ----

/** The ids of the customer's messages (one customer's: few enough to hold). */
export async function idsOfCustomer(db: DB, customerRef: string): Promise<string[]> {
  const rows = await db.selectFrom('messages').select('id').where('customer_ref', '=', customerRef).execute();
  return rows.map((r) => r.id);
}

/**
 * Cancels whatever of the customer's is still queued, auto-replies included, then strips every
 * message of theirs of personal data: recipient, text, content, media, the provider's free text
 * in `last_error`, and the fallback plan (it holds the text, and a failure reported later would
 * queue it to them anew). The rows stay (campaign statistics count them) under `token` instead of
 * the customer.
 */
export async function eraseForCustomer(db: DB, customerRef: string, token: string, now: number): Promise<number> {
  await db
    .updateTable('messages')
    .set({ dispatch_state: 'cancelled', last_error: JSON.stringify({ reason: 'customer_erased' satisfies CancelReason }), updated_at: now })
    .where('customer_ref', '=', customerRef)
    .where('dispatch_state', '=', 'queued')
    .execute();
  // Few rows per customer, and JSON reads differently in each database: rewritten here.
  const withErrors = await db.selectFrom('messages').select(['id', 'last_error']).where('customer_ref', '=', customerRef).where('last_error', 'is not', null).execute();
  for (const m of withErrors) await db.updateTable('messages').set({ last_error: scrubLastError(m.last_error!) }).where('id', '=', m.id).execute();
  const r = await db
    .updateTable('messages')
    .set({ customer_ref: token, customer_id: token, recipient: '', body: '', content: null, media: null, fallback_plan: null, updated_at: now })
    .where('customer_ref', '=', customerRef)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
