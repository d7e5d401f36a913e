// Tracked links: an SMS body's URLs become per-recipient short links on PUBLIC_URL; a click
// redirects to the original and records a `clicked` event.
import { sql } from 'kysely';
import { campaignEventProperties, eventName } from '../core/events.js';
import { findUrls, isAutomatedVisit, newLinkCode, replaceUrls, shortLink } from '../core/links.js';
import { countSegments } from '../core/segments.js';
import type { Logger } from '../logger.js';
import type { DB } from '../store/db.js';
import type { LinksTable, MessagesTable } from '../store/schema.js';
import { recordEvent } from './events.js';
import { settingsOf } from './projects.js';

export interface TrackedMessage {
  /** The message with its body shortened, and parts counted on the shortened text. */
  row: MessagesTable;
  original: MessagesTable;
  links: LinksTable[];
}

/** Plans the short links of one SMS/MMS message. Nothing is stored yet. */
export function planTrackedLinks(row: MessagesTable, publicUrl: string, now: number): TrackedMessage {
  const urls = row.channel === 'sms' || row.channel === 'mms' ? findUrls(row.body) : [];
  if (urls.length === 0) return { row, original: row, links: [] };
  const links: LinksTable[] = urls.map((u) => ({ code: newLinkCode(), project_id: row.project_id, message_id: row.id, url: u.url, created_at: now }));
  const body = replaceUrls(row.body, urls, (_url, i) => shortLink(publicUrl, links[i]!.code));
  const segments = countSegments(body);
  const parts = row.channel === 'mms' ? row.parts : segments.parts;
  return { row: { ...row, body, parts, encoding: segments.encoding }, original: row, links };
}

/**
 * Stores the links of many messages, inside the caller's transaction but behind a savepoint: if
 * the links cannot be stored, the messages go out with their original URLs rather than not at
 * all. Returns the rows to insert.
 */
export async function storeTrackedLinks(trx: DB, planned: TrackedMessage[], logger: Logger): Promise<MessagesTable[]> {
  const links = planned.flatMap((p) => p.links);
  if (links.length === 0) return planned.map((p) => p.row);
  await sql`savepoint tracked_links`.execute(trx);
  try {
    let inserted = 0n;
    for (let i = 0; i < links.length; i += 500) {
      const res = await trx.insertInto('links').values(links.slice(i, i + 500)).onConflict((oc) => oc.column('code').doNothing()).executeTakeFirst();
      inserted += res.numInsertedOrUpdatedRows ?? 0n;
    }
    await sql`release savepoint tracked_links`.execute(trx);
    if (Number(inserted) === links.length) return planned.map((p) => p.row);
    // A code collided with an existing link: those messages keep their original URLs.
    const owners = await trx.selectFrom('links').select(['code', 'message_id']).where('code', 'in', links.map((l) => l.code)).execute();
    const ownerOf = new Map(owners.map((o) => [o.code, o.message_id]));
    return planned.map((p) => (p.links.every((l) => ownerOf.get(l.code) === l.message_id) ? p.row : p.original));
  } catch (err) {
    await sql`rollback to savepoint tracked_links`.execute(trx);
    logger.warn({ err }, 'link shortening unavailable: sending the original links');
    return planned.map((p) => p.original);
  }
}

/** A send's own choice wins, then the campaign's, then the project's. */
export function tracksLinks(projectSetting: boolean, ...overrides: (boolean | number | null | undefined)[]): boolean {
  for (const o of overrides) if (o !== null && o !== undefined) return Boolean(o);
  return projectSetting;
}

/** Resolves a short link; records the click unless a bot or a prefetch made the request. */
export async function followLink(
  db: DB,
  code: string,
  method: string,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): Promise<{ url: string; clicked: boolean } | null> {
  const link = await db.selectFrom('links').selectAll().where('code', '=', code).executeTakeFirst();
  if (!link) return null;
  if (isAutomatedVisit(method, headers)) return { url: link.url, clicked: false };
  const m = await db.selectFrom('messages').selectAll().where('id', '=', link.message_id).executeTakeFirst();
  if (!m) return { url: link.url, clicked: false };
  const project = await db.selectFrom('projects').selectAll().where('id', '=', m.project_id).executeTakeFirstOrThrow();
  await recordEvent(db, {
    project_id: m.project_id,
    customer_ref: m.customer_ref,
    customer_id: m.customer_id,
    name: eventName(settingsOf(project), m.channel),
    status: 'clicked',
    timestamp: now,
    properties: { ...campaignEventProperties(m, 'clicked'), url: link.url },
    message_id: m.id,
    campaign_id: m.campaign_id,
    // Every click counts: no dedup key.
    dedup_key: null,
  });
  return { url: link.url, clicked: true };
}
