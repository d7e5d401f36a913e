// Tracked links: an SMS body's URLs become per-recipient short links on PUBLIC_URL; a click
// redirects to the original and records a `clicked` event.
import { findUrls, isAutomatedVisit, newLinkCode, replaceUrls, shortLink } from '../core/links.js';
import { countSegments } from '../core/segments.js';
import type { Logger } from '../logger.js';
import { recordMessageEvent } from '../messages/events.js';
import type { DB } from '../store/db.js';
import * as linkStore from '../store/links.js';
import type { LinksTable, MessagesTable } from '../store/schema.js';
import { getProject, settingsOf } from './projects.js';

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
  let inserted: number;
  try {
    inserted = await linkStore.insertMany(trx, links);
  } catch (err) {
    logger.warn({ err }, 'link shortening unavailable: sending the original links');
    return planned.map((p) => p.original);
  }
  if (inserted === links.length) return planned.map((p) => p.row);
  // A code collided with an existing link: those messages keep their original URLs.
  const owners = await linkStore.ownersOf(trx, links.map((l) => l.code));
  const ownerOf = new Map(owners.map((o) => [o.code, o.message_id]));
  return planned.map((p) => (p.links.every((l) => ownerOf.get(l.code) === l.message_id) ? p.row : p.original));
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
): Promise<{ url: string; clicked: boolean; integrationId?: string } | null> {
  const link = await linkStore.find(db, code);
  if (!link) return null;
  if (isAutomatedVisit(method, headers)) return { url: link.url, clicked: false };
  const m = await linkStore.findClickTarget(db, link.message_id);
  if (!m) return { url: link.url, clicked: false };
  const project = await getProject(db, m.project_id);
  // Every click counts: not once per message.
  await recordMessageEvent(db, m, 'clicked', settingsOf(project), { timestamp: now, extra: { url: link.url }, once: false });
  return { url: link.url, clicked: true, integrationId: m.integration_id };
}
