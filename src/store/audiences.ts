// Audiences in the store: a filter (src/core/audience.ts) compiled to a WHERE clause over
// `customers c`, counted or paged in id order; and a campaign's list of customer ids
// (`campaign_audience`), written and paged in chunks. Nothing here holds a whole audience.
//
// The dialects differ in reading attributes: SQLite with json_extract/json_type and julianday,
// PostgreSQL with jsonb operators and switchboard_timestamptz (migration 013), to the same effect;
// a NULL test counts as false with coalesce(…, 0) or coalesce(…, false). The EXISTS subqueries
// over consents and events are plain SQL.
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { AttributeTest, FilterNode } from '../core/audience.js';
import type { Channel } from '../core/status.js';
import { directSqlite, isPostgres, type DB } from './db.js';
import type { CustomerContact } from './customers.js';

export interface CompileContext {
  /** The consent channel conditions without their own channel use (SMS for MMS). */
  channel: Channel;
  /** Now (epoch ms), for `within_last_days` and events' `within_days`. */
  now: number;
  /** Compiled for PostgreSQL (else SQLite): countFilter and pageFilter set it from their store. */
  postgres?: boolean;
}

const DAY_MS = 86_400_000;

/** Event statuses each event condition looks for (docs/audiences.md). */
const EVENT_STATUSES = { sent: ['enqueued'], received: ['delivered', 'read'], clicked: ['clicked'] } as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** `in`: the listed strings matched as text, the listed numbers as numbers, either one will do. */
function inValues(values: readonly (string | number)[], strings: (list: RawBuilder<unknown>) => RawBuilder<unknown>, numbers: (list: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<SqlBool> {
  const texts = values.filter((v): v is string => typeof v === 'string');
  const nums = values.filter((v): v is number => typeof v === 'number');
  const parts: RawBuilder<unknown>[] = [];
  if (texts.length) parts.push(strings(sql.join(texts)));
  if (nums.length) parts.push(numbers(sql.join(nums)));
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * PostgreSQL: the same tests as below. jsonb_typeof tells strings, numbers and booleans apart
 * ("5" is no 5, true no 1); a number is compared as numeric only when it is one (CASE, because
 * AND may evaluate either side first and a cast of a string would fail the query).
 */
function attributePostgres(name: string, t: AttributeTest, ctx: CompileContext): RawBuilder<SqlBool> {
  const json = sql`(c.attributes::jsonb -> ${name})`;
  const text = sql`(c.attributes::jsonb ->> ${name})`;
  const type = sql`jsonb_typeof(${json})`;
  const number = sql`(case when ${type} = 'number' then ${json}::numeric end)`;
  const date = sql`switchboard_timestamptz(case when ${type} = 'string' then ${text} end)`;
  const at = (ms: number) => sql`${iso(ms)}::timestamptz`;
  switch (t.op) {
    case 'eq':
      if (typeof t.value === 'boolean') return sql<SqlBool>`(${json} = ${t.value ? 'true' : 'false'}::jsonb)`;
      if (typeof t.value === 'number') return sql<SqlBool>`(${number} = ${t.value})`;
      return sql<SqlBool>`(${type} = 'string' and ${text} = ${t.value})`;
    case 'in':
      return inValues(t.values, (strings) => sql`(${type} = 'string' and ${text} in (${strings}))`, (numbers) => sql`(${number} in (${numbers}))`);
    case 'exists':
      return sql<SqlBool>`(${text} is not null)`;
    case 'gt':
      return sql<SqlBool>`(${number} > ${t.value})`;
    case 'gte':
      return sql<SqlBool>`(${number} >= ${t.value})`;
    case 'lt':
      return sql<SqlBool>`(${number} < ${t.value})`;
    case 'lte':
      return sql<SqlBool>`(${number} <= ${t.value})`;
    case 'before':
      return sql<SqlBool>`(${date} < ${at(t.at)})`;
    case 'after':
      return sql<SqlBool>`(${date} > ${at(t.at)})`;
    case 'within_last_days':
      return sql<SqlBool>`(${date} between ${at(ctx.now - t.days * DAY_MS)} and ${at(ctx.now)})`;
  }
}

function attribute(name: string, t: AttributeTest, ctx: CompileContext): RawBuilder<SqlBool> {
  if (ctx.postgres) return attributePostgres(name, t, ctx);
  // The name is checked to be [A-Za-z0-9_-]: quoted, it is always one key of the top-level object.
  const path = `$."${name}"`;
  // SQLite: json_extract gives strings as text, numbers as integer/real, true/false as 1/0 and
  // null as NULL; json_type tells them apart so "5" never equals 5 nor true 1.
  const value = sql`json_extract(c.attributes, ${path})`;
  const type = sql`json_type(c.attributes, ${path})`;
  const numeric = sql`${type} in ('integer', 'real')`;
  // SQLite: julianday reads ISO 8601 dates and date-times (with Z or an offset); anything else is NULL.
  const date = sql`julianday(case when ${type} = 'text' then ${value} end)`;
  switch (t.op) {
    case 'eq':
      if (typeof t.value === 'boolean') return sql<SqlBool>`(${type} = ${t.value ? 'true' : 'false'})`;
      if (typeof t.value === 'number') return sql<SqlBool>`(${numeric} and ${value} = ${t.value})`;
      return sql<SqlBool>`(${type} = 'text' and ${value} = ${t.value})`;
    case 'in':
      return inValues(t.values, (strings) => sql`(${type} = 'text' and ${value} in (${strings}))`, (numbers) => sql`(${numeric} and ${value} in (${numbers}))`);
    case 'exists':
      return sql<SqlBool>`(${value} is not null)`;
    case 'gt':
      return sql<SqlBool>`(${numeric} and ${value} > ${t.value})`;
    case 'gte':
      return sql<SqlBool>`(${numeric} and ${value} >= ${t.value})`;
    case 'lt':
      return sql<SqlBool>`(${numeric} and ${value} < ${t.value})`;
    case 'lte':
      return sql<SqlBool>`(${numeric} and ${value} <= ${t.value})`;
    case 'before':
      return sql<SqlBool>`(${date} < julianday(${iso(t.at)}))`;
    case 'after':
      return sql<SqlBool>`(${date} > julianday(${iso(t.at)}))`;
    case 'within_last_days':
      return sql<SqlBool>`(${date} between julianday(${iso(ctx.now - t.days * DAY_MS)}) and julianday(${iso(ctx.now)}))`;
  }
}

/** The filter as a boolean SQL expression over the customer row aliased `c`. */
export function compileFilter(node: FilterNode, ctx: CompileContext): RawBuilder<SqlBool> {
  switch (node.kind) {
    case 'all':
    case 'any':
      return sql<SqlBool>`(${sql.join(
        node.items.map((n) => compileFilter(n, ctx)),
        node.kind === 'all' ? sql` and ` : sql` or `,
      )})`;
    case 'not':
      // An attribute test on a missing attribute is NULL, and NOT NULL is NULL: `ne` must match
      // customers without the attribute, so NULL counts as false before negating. SQLite: 0 is false.
      return ctx.postgres ? sql<SqlBool>`(not coalesce(${compileFilter(node.item, ctx)}, false))` : sql<SqlBool>`(not coalesce(${compileFilter(node.item, ctx)}, 0))`;
    case 'attribute':
      return attribute(node.name, node, ctx);
    case 'consent': {
      const channel = node.channel ?? ctx.channel;
      if (node.state === 'not_opted_out') return sql<SqlBool>`(not exists (select 1 from consents k where k.customer_ref = c.id and k.channel = ${channel} and k.opted_out = 1))`;
      return sql<SqlBool>`(exists (select 1 from consents k where k.customer_ref = c.id and k.channel = ${channel} and k.opted_out = ${node.state === 'opted_out' ? 1 : 0}))`;
    }
    case 'event': {
      const statuses = EVENT_STATUSES[node.event];
      const campaign = node.campaignId === null ? sql`e.campaign_id is not null` : sql`e.campaign_id = ${node.campaignId}`;
      const since = node.withinDays === null ? sql`` : sql` and e.timestamp >= ${ctx.now - node.withinDays * DAY_MS}`;
      return sql<SqlBool>`(exists (select 1 from events e where e.customer_ref = c.id and e.status in (${sql.join([...statuses])}) and ${campaign}${since}))`;
    }
  }
}

/** Customers matching a filter: how many, how many have a phone, and of those how many opted out of `channel`. */
export interface FilterCounts {
  size: number;
  with_phone: number;
  opted_out: number;
}

const optedOutOf = (channel: Channel) => sql<SqlBool>`exists (select 1 from consents k where k.customer_ref = c.id and k.channel = ${channel} and k.opted_out = 1)`;

export async function countFilter(db: DB, projectId: string, node: FilterNode, ctx: CompileContext): Promise<FilterCounts> {
  const row = await db
    .selectFrom('customers as c')
    .select([
      sql<number>`count(*)`.as('size'),
      sql<number>`count(c.phone)`.as('with_phone'),
      sql<number>`coalesce(sum(case when c.phone is not null and ${optedOutOf(ctx.channel)} then 1 else 0 end), 0)`.as('opted_out'),
    ])
    .where('c.project_id', '=', projectId)
    .where(compileFilter(node, isPostgres(db) ? { ...ctx, postgres: true } : ctx))
    .executeTakeFirstOrThrow();
  return { size: Number(row.size), with_phone: Number(row.with_phone), opted_out: Number(row.opted_out) };
}

/**
 * A customer of an audience page, and whether they opted out of the launch's channel: read in the
 * page's own statement, one probe of consents per row, instead of a second query per page.
 */
export type AudienceMember = CustomerContact & { opted_out: number };

const optedOutFlag = (channel: Channel) => sql<number>`case when ${optedOutOf(channel)} then 1 else 0 end`.as('opted_out');

/** A page of an audience in customer order: its members, and where the next page starts. */
export interface AudiencePage {
  members: AudienceMember[];
  /** The keyset cursor to pass as `after` for the next page; null after the last page. */
  next: string | null;
}

/** The next page of customers matching the filter, in id order after `after` (keyset). */
export async function pageFilter(db: DB, projectId: string, node: FilterNode, ctx: CompileContext, after: string | null, limit: number, until: string | null = null): Promise<AudiencePage> {
  return customersPage(db, projectId, ctx.channel, compileFilter(node, isPostgres(db) ? { ...ctx, postgres: true } : ctx), after, limit, until);
}

/**
 * The project's customers meeting `condition`, in id order after `after` (keyset) and up to
 * `until` (inclusive; null: to the end), as audience members.
 *
 * SQLite walks the (project_id, id) index and stops at `limit` matches. PostgreSQL's planner
 * cannot estimate a filter on JSON attributes (it guesses a handful of rows) and then scans and
 * sorts every customer after `after` for each page: a launch to 1,000,000 read the table hundreds
 * of times over. There a page is a window of the next `limit` customers by id, bounded on both
 * sides so the plan is an index range scan, and the condition picks from it: a page may hold
 * fewer than `limit` members (none at all) without being the last.
 */
async function customersPage(db: DB, projectId: string, channel: Channel, condition: Expression<SqlBool>, after: string | null, limit: number, until: string | null): Promise<AudiencePage> {
  let q = db
    .selectFrom('customers as c')
    .select(['c.id', 'c.customer_id', 'c.phone', 'c.country', 'c.attributes', optedOutFlag(channel)])
    .where('c.project_id', '=', projectId)
    .where(condition)
    .orderBy('c.id');
  if (after !== null) q = q.where('c.id', '>', after);
  if (until !== null) q = q.where('c.id', '<=', until);
  if (!isPostgres(db)) {
    const members = await q.limit(limit).execute();
    return { members, next: members.length < limit ? null : members[members.length - 1]!.id };
  }
  let window = db.selectFrom('customers').select('id').where('project_id', '=', projectId).orderBy('id').offset(limit - 1).limit(1);
  if (after !== null) window = window.where('id', '>', after);
  if (until !== null) window = window.where('id', '<=', until);
  const end = (await window.executeTakeFirst())?.id ?? null;
  const members = await (end === null ? q : q.where('c.id', '<=', end)).execute();
  return { members, next: end };
}

/** Rows per insert statement: 2 bound values each, well under SQLite's limit. */
const ID_ROWS = 500;

/**
 * Adds customer ids to the campaign's list, a statement per 500, repeats ignored. Returns how many
 * were new. Run it inside the transaction that writes the campaign.
 */
export async function addIds(db: DB, campaignId: string, ids: readonly string[]): Promise<number> {
  let added = 0;
  const sqlite = directSqlite(db);
  if (sqlite) {
    // A million ids make 2,000 statements: one parameter array and one SQL text serve them all
    // (the last, shorter one aside), so storing a list allocates next to nothing per id.
    const text = (rows: number) => `insert into campaign_audience (campaign_id, customer_id) values ${'(?, ?), '.repeat(rows - 1)}(?, ?) on conflict do nothing`;
    const full = sqlite.prepare(text(ID_ROWS));
    const params = new Array<string>(ID_ROWS * 2).fill(campaignId);
    for (let start = 0; start < ids.length; start += ID_ROWS) {
      const rows = Math.min(ID_ROWS, ids.length - start);
      if (rows < ID_ROWS) {
        const tail = new Array<string>(rows * 2).fill(campaignId);
        for (let i = 0; i < rows; i++) tail[2 * i + 1] = ids[start + i]!;
        added += sqlite.prepare(text(rows)).run(tail).changes;
        break;
      }
      for (let i = 0; i < rows; i++) params[2 * i + 1] = ids[start + i]!;
      added += full.run(params).changes;
    }
    return added;
  }
  for (let start = 0; start < ids.length; start += ID_ROWS) {
    const r = await db
      .insertInto('campaign_audience')
      .values(ids.slice(start, start + ID_ROWS).map((customer_id) => ({ campaign_id: campaignId, customer_id })))
      .onConflict((oc) => oc.columns(['campaign_id', 'customer_id']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/** Empties the campaign's id list (an edit replacing its audience); run it inside that edit's transaction. */
export async function clearIds(db: DB, campaignId: string): Promise<void> {
  await db.deleteFrom('campaign_audience').where('campaign_id', '=', campaignId).execute();
}

/** One entry of a campaign's id list and the customer it names (null fields: no such customer). */
export interface ListedCustomer {
  listed_id: string;
  id: string | null;
  customer_id: string | null;
  phone: string | null;
  country: string | null;
  attributes: string | null;
  /** 1: the customer opted out of the channel asked for. */
  opted_out: number;
}

/** The next page of the campaign's id list, in customer_id order after `after` (keyset), with the customers they name and their opt-out of `channel`. */
export async function pageIds(db: DB, projectId: string, campaignId: string, channel: Channel, after: string | null, limit: number, until: string | null = null): Promise<ListedCustomer[]> {
  let q = db
    .selectFrom('campaign_audience as a')
    .leftJoin('customers as c', (j) => j.onRef('c.customer_id', '=', 'a.customer_id').on('c.project_id', '=', projectId))
    .select(['a.customer_id as listed_id', 'c.id', 'c.customer_id', 'c.phone', 'c.country', 'c.attributes', optedOutFlag(channel)])
    .where('a.campaign_id', '=', campaignId)
    .orderBy('a.customer_id')
    .limit(limit);
  if (after !== null) q = q.where('a.customer_id', '>', after);
  if (until !== null) q = q.where('a.customer_id', '<=', until);
  return q.execute();
}

/** How many ids the campaign's list holds, and how many customers the project has. */
export async function listAndProjectSizes(db: DB, projectId: string, campaignId: string): Promise<{ listed: number; customers: number }> {
  const [listed, customers] = await Promise.all([
    db.selectFrom('campaign_audience').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow(),
    db.selectFrom('customers').select(sql<number>`count(*)`.as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow(),
  ]);
  return { listed: Number(listed.n), customers: Number(customers.n) };
}

/**
 * The next page of the project's customers that the campaign's list names, in id order after
 * `after` (keyset). The same customers as `pageIds` gives, but in the order their messages'
 * index entries go: a list naming much of the project reads faster this way (a scan with one
 * probe of the list each) and its launch inserts at the end of the indexes instead of all over.
 */
export async function pageListedCustomers(db: DB, projectId: string, campaignId: string, channel: Channel, after: string | null, limit: number, until: string | null = null): Promise<AudiencePage> {
  // On PostgreSQL, `offset 0` keeps the test a probe of the list's primary key per customer of
  // the page. Without it the planner may turn it into a join, and with no statistics yet on a
  // list just written (about 700 rows guessed for 1,000,000) it hashed the campaign's whole list
  // for every 500-customer page: 30–230 ms a page instead of about 2.
  const listed = isPostgres(db)
    ? sql<SqlBool>`exists (select 1 from campaign_audience a where a.campaign_id = ${campaignId} and a.customer_id = c.customer_id offset 0)`
    : sql<SqlBool>`exists (select 1 from campaign_audience a where a.campaign_id = ${campaignId} and a.customer_id = c.customer_id)`;
  return customersPage(db, projectId, channel, listed, after, limit, until);
}

/**
 * Keys that cut the project's customers (by id), or the campaign's list (by listed id), into
 * `parts` runs of about equal length: ascending, at most parts − 1 of them, each the last key of
 * its run. A launch on PostgreSQL walks the runs side by side.
 */
export async function splitKeys(db: DB, of: { customersOf: string } | { listOf: string }, parts: number): Promise<string[]> {
  const keys = 'customersOf' in of
    ? sql`select id as key from customers where project_id = ${of.customersOf} order by id`
    : sql`select customer_id as key from campaign_audience where campaign_id = ${of.listOf} order by customer_id`;
  const total = Number((await sql<{ n: number }>`select count(*) as n from (${keys}) k`.execute(db)).rows[0]!.n);
  const cuts: string[] = [];
  for (let i = 1; i < parts; i++) {
    const at = Math.floor((total * i) / parts);
    if (at === 0) continue;
    const row = (await sql<{ key: string }>`${keys} limit 1 offset ${at - 1}`.execute(db)).rows[0];
    if (row && row.key !== cuts[cuts.length - 1]) cuts.push(row.key);
  }
  return cuts;
}

/** A campaign's id list: how many ids, how many name a customer, with a phone, opted out of `channel`. */
export async function countIds(db: DB, projectId: string, campaignId: string, channel: Channel): Promise<FilterCounts & { listed: number }> {
  const row = await db
    .selectFrom('campaign_audience as a')
    .leftJoin('customers as c', (j) => j.onRef('c.customer_id', '=', 'a.customer_id').on('c.project_id', '=', projectId))
    .select([
      sql<number>`count(*)`.as('listed'),
      sql<number>`count(c.id)`.as('size'),
      sql<number>`count(c.phone)`.as('with_phone'),
      sql<number>`coalesce(sum(case when c.phone is not null and ${optedOutOf(channel)} then 1 else 0 end), 0)`.as('opted_out'),
    ])
    .where('a.campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return { listed: Number(row.listed), size: Number(row.size), with_phone: Number(row.with_phone), opted_out: Number(row.opted_out) };
}

/**
 * Takes a customer id off every audience list of the project (an erased customer). One probe of
 * the primary key per campaign of the project, not a scan of every list.
 */
export async function removeIdFromLists(db: DB, projectId: string, customerId: string): Promise<number> {
  const r = await db
    .deleteFrom('campaign_audience')
    .where('customer_id', '=', customerId)
    .where('campaign_id', 'in', (eb) => eb.selectFrom('campaigns').select('id').where('project_id', '=', projectId))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
