// A campaign's audience (docs/audiences.md): a list of customer ids or a filter, checked at create,
// resolved at launch chunk by chunk (each chunk read inside the transaction that queues it, so no
// chunk is queued from a stale read), and estimated before launch. Nothing holds a whole audience:
// ids are written to the store in statements of 500 and both kinds are read back by keyset pages.
import { parseFilter, referencedCampaigns, type FilterNode } from '../core/audience.js';
import { invalid, notFound } from '../core/errors.js';
import type { Channel } from '../core/status.js';
import * as audienceStore from '../store/audiences.js';
import * as campaignStore from '../store/campaigns.js';
import { commitWithoutWaitingForFlush, inTransaction, isPostgres, type DB } from '../store/db.js';
import type { CampaignsTable } from '../store/schema.js';
import { consentChannel } from './consent.js';

/**
 * Customers per transaction of a launch: large enough that commits (an fsync each) cost little.
 * Within it, customers are read and handed over a page at a time, so what a launch holds at once
 * (the page, its message rows) is a page, and most of it dies young instead of filling the heap.
 */
export const AUDIENCE_CHUNK = { perTransaction: 5000, perPage: 500 };

/**
 * A list of at least this share of the project's customers is read by scanning the project's
 * customers in id order, probing the list for each, rather than by walking the list: the scan
 * costs about as much as the walk's lookups at this share, and queues the messages in the order
 * of their index entries (a million-id launch by a list in another order spends a third more on
 * its inserts, scattered over the indexes).
 */
const LIST_SHARE_READ_IN_CUSTOMER_ORDER = 0.25;

/**
 * Lanes a launch walks side by side on PostgreSQL (see eachAudienceChunk). Two keep the hub and
 * the server busy at once; more only queue for the same cores. On the 2-core bench machine, a
 * launch to 200,000 took 8.0 s in one lane, 5.8 s in two and 5.7 s in three; to 1,000,000, 29.8 s
 * in two and 29.9 s in three.
 */
export const FAN_OUT_LANES = 2;

export interface AudienceInput {
  customer_ids?: readonly string[];
  filter?: unknown;
}

/** What `campaigns.audience` holds. */
type Definition = { kind: 'ids' } | { kind: 'filter'; filter: unknown };

export interface PreparedAudience {
  /** The JSON stored in campaigns.audience. */
  definition: string;
  /** Writes what the audience needs beside the campaign row (inside its transaction); returns the audience size. */
  write(trx: DB, campaignId: string): Promise<number>;
}

/** A filter checked, with the campaigns it names known to the project. */
export async function checkFilter(db: DB, projectId: string, filter: unknown, path: string): Promise<FilterNode> {
  const node = parseFilter(filter, path);
  for (const id of referencedCampaigns(node)) {
    if (!(await campaignStore.findSummary(db, projectId, id))) throw invalid('invalid_filter', `${path} names campaign ${id}, which this project does not have`, path);
  }
  return node;
}

/** Checks a create request's audience; nothing is written until `write`. */
export async function prepareAudience(db: DB, projectId: string, channel: Channel, input: AudienceInput): Promise<PreparedAudience> {
  const hasIds = input.customer_ids !== undefined;
  const hasFilter = input.filter !== undefined;
  if (hasIds === hasFilter) throw invalid('invalid_request', 'audience needs exactly one of customer_ids and filter', 'audience');
  if (hasFilter) {
    const node = await checkFilter(db, projectId, input.filter, 'audience.filter');
    const definition: Definition = { kind: 'filter', filter: input.filter };
    // The size at create, counted before the write transaction opens; the launch counts again.
    const { size } = await audienceStore.countFilter(db, projectId, node, { channel: consentChannel(channel), now: Date.now() });
    return { definition: JSON.stringify(definition), write: () => Promise.resolve(size) };
  }
  const ids = input.customer_ids!;
  if (ids.length === 0) throw invalid('invalid_request', 'audience.customer_ids must not be empty', 'audience.customer_ids');
  return { definition: JSON.stringify({ kind: 'ids' } satisfies Definition), write: (trx, campaignId) => audienceStore.addIds(trx, campaignId, ids) };
}

function definitionOf(campaign: Pick<CampaignsTable, 'audience'>): Definition {
  return JSON.parse(campaign.audience) as Definition;
}

/** One page of a launch: the customers to consider, and how many listed ids named nobody. */
export interface AudienceChunk {
  /** With whether each opted out of the campaign's channel, read in the same statement. */
  customers: audienceStore.AudienceMember[];
  unknown: number;
}

type LaunchingCampaign = Pick<CampaignsTable, 'id' | 'project_id' | 'channel' | 'audience' | 'launched_at'>;

/**
 * Runs `fn` on the campaign's audience a page at a time, in a stable order (customers by id for a
 * filter and for a list naming a good share of the project, listed ids for a shorter list), each
 * page starting after the last id of the one before (keyset), `perTransaction` customers to a
 * transaction; `afterCommit` runs once each transaction is committed. Memory is a page per lane
 * whatever the audience size. Re-running it (a launch resumed after a crash) goes over the same
 * customers again; the caller's inserts ignore those already queued.
 *
 * `lanes` > 1 cuts the order into that many runs of about equal length and walks them side by
 * side, each in transactions of its own: on PostgreSQL, one lane's statements run in the server
 * while the hub prepares another's page, instead of each waiting for the other. SQLite writes one
 * transaction at a time, so it walks one lane. A lane that fails stops the others at their next
 * transaction, and the first failure is thrown once all have stopped.
 *
 * Returns whether `goesOn` stopped it.
 */
export async function eachAudienceChunk(
  db: DB,
  campaign: LaunchingCampaign,
  fn: (trx: DB, chunk: AudienceChunk) => Promise<void>,
  afterCommit: () => void = () => {},
  /** Checked at the start of each transaction: false stops the walk (a pause, a cancel). */
  goesOn: (trx: DB) => Promise<boolean> = async () => true,
  sizes: { perTransaction: number; perPage: number } = AUDIENCE_CHUNK,
  lanes: number = isPostgres(db) ? FAN_OUT_LANES : 1,
): Promise<boolean> {
  const def = definitionOf(campaign);
  // A filter's time windows are fixed at the launch's start, so a resumed launch reads them the same.
  const ctx = { channel: consentChannel(campaign.channel), now: campaign.launched_at ?? Date.now() };
  const node = def.kind === 'filter' ? parseFilter(def.filter, 'audience.filter') : null;
  // A list naming a good share of the project is read in customer order (pageListedCustomers);
  // its ids that name nobody are then counted once, at the end.
  let listed = 0;
  let inCustomerOrder = false;
  if (!node) {
    const counted = await audienceStore.listAndProjectSizes(db, campaign.project_id, campaign.id);
    listed = counted.listed;
    inCustomerOrder = listed >= counted.customers * LIST_SHARE_READ_IN_CUSTOMER_ORDER;
  }
  const byCustomer = node !== null || inCustomerOrder;
  const cuts = lanes > 1 ? await audienceStore.splitKeys(db, byCustomer ? { customersOf: campaign.project_id } : { listOf: campaign.id }, lanes) : [];
  let matched = 0;
  let stopped = false;
  let failed = false;

  /** Walks the keys after `from` up to `until` (null: no bound on that side). */
  const lane = async (from: string | null, until: string | null): Promise<void> => {
    let after = from;
    let done = false;
    /** Reads the next page and hands it to fn: how many entries it handed over, and whether it was the last. */
    const page = async (trx: DB): Promise<{ entries: number; last: boolean }> => {
      if (byCustomer) {
        const { members: customers, next } = node
          ? await audienceStore.pageFilter(trx, campaign.project_id, node, ctx, after, sizes.perPage, until)
          : await audienceStore.pageListedCustomers(trx, campaign.project_id, campaign.id, ctx.channel, after, sizes.perPage, until);
        matched += customers.length;
        after = next;
        if (customers.length > 0) await fn(trx, { customers, unknown: 0 });
        return { entries: customers.length, last: next === null };
      }
      const rows = await audienceStore.pageIds(trx, campaign.project_id, campaign.id, ctx.channel, after, sizes.perPage, until);
      if (rows.length > 0) {
        after = rows[rows.length - 1]!.listed_id;
        const customers: audienceStore.AudienceMember[] = [];
        for (const r of rows) if (r.id !== null) customers.push({ id: r.id, customer_id: r.customer_id!, phone: r.phone, country: r.country, attributes: r.attributes!, opted_out: r.opted_out });
        await fn(trx, { customers, unknown: rows.length - customers.length });
      }
      return { entries: rows.length, last: rows.length < sizes.perPage };
    };
    while (!done && !stopped && !failed) {
      const handed = await inTransaction(db, async (trx) => {
        // Not acknowledged at its commit: the launch answers after its last transaction, which
        // waits for the disk (and so for every chunk's commit before it). A chunk a server crash
        // loses is queued again when the launch resumes; a sender cannot have sent from it, since
        // its claim's own commit waits for the log past the chunk.
        await commitWithoutWaitingForFlush(trx);
        if (!(await goesOn(trx))) {
          stopped = true;
          return 0;
        }
        // Pages, not entries, bound a transaction: a page of a filter may match few (see pageFilter).
        let n = 0;
        for (let pages = 0; pages * sizes.perPage < sizes.perTransaction; pages++) {
          const { entries, last } = await page(trx);
          n += entries;
          if (last) {
            done = true;
            break;
          }
        }
        return n;
      });
      if (handed > 0) afterCommit();
    }
  };

  // Lane i runs from bounds[i] (the first from the start: null) until bounds[i + 1].
  const bounds: (string | null)[] = [null, ...cuts, null];
  const walks = await Promise.allSettled(
    bounds.slice(1).map((until, i) =>
      lane(bounds[i] ?? null, until).catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    ),
  );
  const failure = walks.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failure) throw failure.reason;
  // A list read in customer order: its ids that named nobody, counted once every lane is through.
  const unknown = inCustomerOrder && !stopped ? Math.max(0, listed - matched) : 0;
  if (unknown > 0) {
    const handed = await inTransaction(db, async (trx) => {
      if (!(await goesOn(trx))) return false;
      await fn(trx, { customers: [], unknown });
      return true;
    });
    if (handed) afterCommit();
    else stopped = true;
  }
  return stopped;
}

/** How an audience stands before launch. */
export interface AudienceEstimate {
  channel: Channel;
  /** Customers in the audience (for a list: the listed ids that name a customer). */
  size: number;
  /** Of them, those with a phone number. */
  with_phone: number;
  /** Of those with a phone, the ones opted out of the channel. */
  opted_out: number;
  /** with_phone − opted_out: whom the launch would queue a message for, before personalisation skips. */
  reachable: number;
  /** A list: how many ids it holds (some may name no customer). Null for a filter. */
  listed_ids: number | null;
}

function estimate(channel: Channel, c: audienceStore.FilterCounts, listed: number | null): AudienceEstimate {
  return { channel, size: c.size, with_phone: c.with_phone, opted_out: c.opted_out, reachable: c.with_phone - c.opted_out, listed_ids: listed };
}

/** The audience a filter selects now, counted (no campaign needed). */
export async function estimateFilter(db: DB, projectId: string, filter: unknown, channel: Channel = 'sms'): Promise<AudienceEstimate> {
  const node = await checkFilter(db, projectId, filter, 'filter');
  return estimate(channel, await audienceStore.countFilter(db, projectId, node, { channel: consentChannel(channel), now: Date.now() }), null);
}

/** A campaign's audience counted as a launch now would resolve it. */
export async function estimateCampaign(db: DB, projectId: string, campaignId: string): Promise<AudienceEstimate> {
  const campaign = await campaignStore.find(db, projectId, campaignId);
  if (!campaign) throw notFound('campaign', 'campaign_id');
  const def = definitionOf(campaign);
  if (def.kind === 'filter') {
    const node = parseFilter(def.filter, 'audience.filter');
    return estimate(campaign.channel, await audienceStore.countFilter(db, projectId, node, { channel: consentChannel(campaign.channel), now: Date.now() }), null);
  }
  const c = await audienceStore.countIds(db, projectId, campaignId, consentChannel(campaign.channel));
  return estimate(campaign.channel, c, c.listed);
}

/** The audience as the API shows it: the filter, or that it is a stored list of ids. */
export function audienceView(campaign: Pick<CampaignsTable, 'audience'>): { type: 'customer_ids' } | { type: 'filter'; filter: Record<string, unknown> } {
  const def = definitionOf(campaign);
  return def.kind === 'filter' ? { type: 'filter', filter: def.filter as Record<string, unknown> } : { type: 'customer_ids' };
}
