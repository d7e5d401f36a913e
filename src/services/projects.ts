// Projects (tenants) and their settings.
import { invalid, notFound } from '../core/errors.js';
import type { EventNameSettings } from '../core/events.js';
import { randomToken } from '../core/crypto.js';
import { newId } from '../core/ids.js';
import { applyKeywordPatch, DEFAULT_KEYWORDS, keywordConflicts, type KeywordConfig, type KeywordPatch } from '../core/keywords.js';
import { actionType, type Channel } from '../core/status.js';
import { isTimeZone, parseClock } from '../core/quiet-hours.js';
import { inTransaction, type DB } from '../store/db.js';
import * as projectStore from '../store/projects.js';
import type { ProjectsTable } from '../store/schema.js';

export interface ProjectSettings extends EventNameSettings {
  /** Default for SMS and MMS: used when a send names no integration or sender profile. */
  default_sms_integration_id: string | null;
  /** Default for WhatsApp; two-way messaging on WhatsApp needs it. */
  default_whatsapp_integration_id: string | null;
  /** Default for RCS; two-way messaging on RCS needs it. */
  default_rcs_integration_id: string | null;
  event_names: Partial<Record<'sms' | 'whatsapp' | 'rcs', string>>;
  /** Keyword auto-responses per channel; a channel without its own gets DEFAULT_KEYWORDS. */
  keywords: Partial<Record<KeywordChannel, KeywordConfig>>;
  /** Shorten and track the links of SMS bodies (a campaign may say otherwise). */
  link_tracking: boolean;
  /** Marketing messages wait while the recipient's local time is in this window (docs/scheduling.md). */
  quiet_hours: QuietHours | null;
  /** At most `max` campaign messages per customer in a rolling day or week. */
  frequency_cap: FrequencyCap | null;
  /**
   * Per channel, the integrations that take over, in order, when the default's circuit breaker
   * is open (docs/failover.md). MMS goes with SMS.
   */
  failover: FailoverSettings;
}

export type FailoverSettings = Partial<Record<KeywordChannel, string[]>>;

/** How many integrations a channel's failover list may hold. */
export const MAX_FAILOVER = 5;

/** A channel's integrations in failover order: its default, then its failover list, each once. */
export function failoverOrder(settings: ProjectSettings, channel: Channel): string[] {
  const all = [settings[DEFAULT_FIELD[channel]], ...(settings.failover[actionType(channel)] ?? [])].filter((id): id is string => id !== null);
  return all.filter((id, i) => all.indexOf(id) === i);
}

export interface QuietHours {
  /** "HH:MM", 24-hour, local time. */
  start: string;
  end: string;
  /** The customer attribute holding their IANA time zone. */
  timezone_attribute: string;
  /** The zone of a customer with neither that attribute nor a known country. */
  default_timezone: string;
}

export interface FrequencyCap {
  max: number;
  per: 'day' | 'week';
}

export const FREQUENCY_WINDOW_MS = { day: 24 * 3600 * 1000, week: 7 * 24 * 3600 * 1000 } as const;

export type KeywordChannel = 'sms' | 'whatsapp' | 'rcs';

/** The keyword rules for inbound messages on a channel (MMS replies share SMS's). */
export function keywordsFor(settings: ProjectSettings, channel: Channel): KeywordConfig {
  return settings.keywords[actionType(channel)] ?? DEFAULT_KEYWORDS;
}

/** What the settings column holds. */
interface StoredSettings {
  event_names?: ProjectSettings['event_names'];
  keywords?: ProjectSettings['keywords'];
  link_tracking?: boolean;
  quiet_hours?: QuietHours;
  frequency_cap?: FrequencyCap;
  failover?: FailoverSettings;
}

/** The settings field holding each channel's default integration. */
export const DEFAULT_FIELD = {
  sms: 'default_sms_integration_id',
  mms: 'default_sms_integration_id',
  whatsapp: 'default_whatsapp_integration_id',
  rcs: 'default_rcs_integration_id',
} as const satisfies Record<Channel, keyof ProjectSettings>;

export type DefaultField = (typeof DEFAULT_FIELD)[Channel];
const DEFAULT_FIELDS: { field: DefaultField; channel: Channel }[] = [
  { field: 'default_sms_integration_id', channel: 'sms' },
  { field: 'default_whatsapp_integration_id', channel: 'whatsapp' },
  { field: 'default_rcs_integration_id', channel: 'rcs' },
];

export function newAppKey(): string {
  return `ak_${randomToken(18)}`;
}

export function settingsOf(p: ProjectsTable): ProjectSettings {
  const stored = JSON.parse(p.settings) as StoredSettings;
  return {
    default_sms_integration_id: p.default_sms_integration_id,
    default_whatsapp_integration_id: p.default_whatsapp_integration_id,
    default_rcs_integration_id: p.default_rcs_integration_id,
    event_names: stored.event_names ?? {},
    keywords: stored.keywords ?? {},
    link_tracking: stored.link_tracking ?? false,
    quiet_hours: stored.quiet_hours ?? null,
    frequency_cap: stored.frequency_cap ?? null,
    failover: stored.failover ?? {},
  };
}

export async function createProject(db: DB, name: string, id: string = newId('prj')): Promise<ProjectsTable> {
  const now = Date.now();
  const row: ProjectsTable = {
    id,
    name,
    default_sms_integration_id: null,
    default_whatsapp_integration_id: null,
    default_rcs_integration_id: null,
    app_key: newAppKey(),
    ingest_signing_secret: null,
    settings: '{}',
    created_at: now,
    updated_at: now,
  };
  await projectStore.insert(db, row);
  return row;
}

export async function findProject(db: DB, id: string): Promise<ProjectsTable | undefined> {
  return projectStore.find(db, id);
}

export async function getProject(db: DB, id: string): Promise<ProjectsTable> {
  const p = await findProject(db, id);
  if (!p) throw notFound('project', 'project_id');
  return p;
}

/**
 * The project as read at most a second ago, for the hot paths that only read its settings (a
 * send, a batch of outcomes or reports): see projectStore.findRecent. 404 when unknown.
 */
export async function getRecentProject(db: DB, id: string): Promise<ProjectsTable> {
  const p = await projectStore.findRecent(db, id);
  if (!p) throw notFound('project', 'project_id');
  return p;
}

export async function listProjects(db: DB, ids?: string[]): Promise<ProjectsTable[]> {
  return projectStore.list(db, ids);
}

/**
 * Replaces a channel's keyword rules (null: back to the defaults). `allow` sees the rules in
 * force and the new ones inside the transaction, and throws to refuse the change (a project key
 * may not touch the opt-out keywords). Read and write are one transaction, so concurrent changes
 * to other settings are not lost.
 */
/** Replaces a channel's keyword rules; null restores the defaults. */
export function setKeywords(
  db: DB,
  id: string,
  channel: KeywordChannel,
  config: KeywordConfig | null,
  allow: (current: KeywordConfig, next: KeywordConfig) => void = () => {},
): Promise<ProjectSettings> {
  return changeKeywords(db, id, channel, () => config, allow);
}

/** Changes part of a channel's keyword rules, the rest kept as they are. */
export function patchKeywords(
  db: DB,
  id: string,
  channel: KeywordChannel,
  patch: KeywordPatch,
  allow: (current: KeywordConfig, next: KeywordConfig) => void = () => {},
): Promise<ProjectSettings> {
  return changeKeywords(db, id, channel, (current) => applyKeywordPatch(current, patch), allow);
}

/**
 * Read, changed and written in one transaction, so concurrent changes never lose one another;
 * checked for conflicts and an empty opt-out list before anything is written.
 */
async function changeKeywords(
  db: DB,
  id: string,
  channel: KeywordChannel,
  change: (current: KeywordConfig) => KeywordConfig | null,
  allow: (current: KeywordConfig, next: KeywordConfig) => void,
): Promise<ProjectSettings> {
  return inTransaction(db, async (trx) => {
    const project = await getProject(trx, id);
    const current = keywordsFor(settingsOf(project), channel);
    const config = change(current);
    const next = config ?? DEFAULT_KEYWORDS;
    const problems = keywordConflicts(next);
    if (problems.length) throw invalid('invalid_request', `keywords: ${problems.join('; ')}`, 'keywords');
    if (next.opt_out.keywords.length === 0) {
      throw invalid('invalid_request', 'opt_out.keywords needs at least one keyword: customers must always be able to opt out', 'opt_out.keywords');
    }
    allow(current, next);
    const stored = JSON.parse(project.settings) as StoredSettings;
    const keywords = { ...stored.keywords };
    if (config) keywords[channel] = config;
    else delete keywords[channel];
    await projectStore.update(trx, id, { settings: JSON.stringify({ ...stored, keywords } satisfies StoredSettings), updated_at: Date.now() });
    return settingsOf(await getProject(trx, id));
  });
}

export async function rotateAppKey(db: DB, id: string): Promise<ProjectsTable> {
  await getProject(db, id);
  await projectStore.update(db, id, { app_key: newAppKey(), updated_at: Date.now() });
  return getProject(db, id);
}

export async function renameProject(db: DB, id: string, name: string): Promise<ProjectsTable> {
  await getProject(db, id);
  await projectStore.update(db, id, { name, updated_at: Date.now() });
  return getProject(db, id);
}

const EVENT_NAME = /^[A-Za-z0-9_ .:-]{1,64}$/;

export type SettingsInput = Partial<Record<DefaultField, string | null>> & {
  event_names?: Record<string, string>;
  link_tracking?: boolean;
  /** null removes them; timezone_attribute defaults to "timezone", default_timezone to "UTC". */
  quiet_hours?: { start: string; end: string; timezone_attribute?: string; default_timezone?: string } | null;
  /** null removes it. */
  frequency_cap?: FrequencyCap | null;
  /** Already sealed: the secret that signs direct-send ingest callbacks, or null to remove it. */
  sealed_ingest_signing_secret?: string | null;
  /** Per channel: a list replaces the channel's ([] removes it), a channel left out keeps its own; null removes every list. */
  failover?: FailoverSettings | null;
};

export async function updateSettings(
  db: DB,
  id: string,
  input: SettingsInput,
  /** Throws unless the integration belongs to the project and carries the channel. */
  checkIntegration: (projectId: string, integrationId: string, channel: Channel, field: string) => Promise<void>,
): Promise<ProjectSettings> {
  await getProject(db, id);
  // Checked before the transaction: the integration lookups read through their own cache.
  const defaults: Partial<Record<DefaultField, string | null>> = {};
  for (const { field, channel } of DEFAULT_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null) await checkIntegration(id, value, channel, field);
    defaults[field] = value;
  }
  for (const [channel, name] of Object.entries(input.event_names ?? {})) {
    if (!['sms', 'whatsapp', 'rcs'].includes(channel)) throw invalid('invalid_request', `unknown channel "${channel}" in event_names`, `event_names.${channel}`);
    if (!EVENT_NAME.test(name)) throw invalid('invalid_request', 'event names are 1-64 letters, digits, spaces or _ . : -', `event_names.${channel}`);
  }
  if (input.failover) await checkFailover(id, input.failover, checkIntegration);
  const quietHours = input.quiet_hours == null ? input.quiet_hours : checkQuietHours(input.quiet_hours);
  if (input.frequency_cap) checkFrequencyCap(input.frequency_cap);
  // Read and write in one transaction, so concurrent changes to other settings are not lost.
  return inTransaction(db, async (trx) => {
    const project = await getProject(trx, id);
    const stored = JSON.parse(project.settings) as StoredSettings;
    if (quietHours === null) delete stored.quiet_hours;
    if (input.frequency_cap === null) delete stored.frequency_cap;
    const failover = input.failover === undefined ? stored.failover : mergeFailover(input.failover === null ? {} : stored.failover ?? {}, input.failover ?? {});
    if (failover && Object.keys(failover).length === 0) delete stored.failover;
    await projectStore.update(trx, id, {
      ...defaults,
      ...(input.sealed_ingest_signing_secret !== undefined && { ingest_signing_secret: input.sealed_ingest_signing_secret }),
      settings: JSON.stringify({
        ...stored,
        ...(input.event_names !== undefined && { event_names: input.event_names }),
        ...(input.link_tracking !== undefined && { link_tracking: input.link_tracking }),
        ...(quietHours && { quiet_hours: quietHours }),
        ...(input.frequency_cap && { frequency_cap: { max: input.frequency_cap.max, per: input.frequency_cap.per } }),
        ...(failover && Object.keys(failover).length > 0 && { failover }),
      } satisfies StoredSettings),
      updated_at: Date.now(),
    });
    return settingsOf(await getProject(trx, id));
  });
}

/** Each list: known channel, at most MAX_FAILOVER entries, no repeats, each an integration of the project that sends the channel. */
async function checkFailover(
  projectId: string,
  failover: FailoverSettings,
  checkIntegration: (projectId: string, integrationId: string, channel: Channel, field: string) => Promise<void>,
): Promise<void> {
  for (const [channel, ids] of Object.entries(failover) as [string, unknown][]) {
    if (!['sms', 'whatsapp', 'rcs'].includes(channel)) throw invalid('invalid_request', `unknown channel "${channel}" in failover`, `failover.${channel}`);
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw invalid('invalid_request', `failover.${channel} must be a list of integration ids`, `failover.${channel}`);
    const list = ids as string[];
    if (list.length > MAX_FAILOVER) throw invalid('invalid_request', `failover.${channel} holds at most ${MAX_FAILOVER} integrations`, `failover.${channel}`);
    for (const [i, integrationId] of list.entries()) {
      if (list.indexOf(integrationId) !== i) throw invalid('invalid_request', `integration ${integrationId} is listed twice`, `failover.${channel}[${i}]`);
      await checkIntegration(projectId, integrationId, channel as KeywordChannel, `failover.${channel}[${i}]`);
    }
  }
}

/** The stored lists with the given channels replaced; an empty list removes its channel. */
function mergeFailover(current: FailoverSettings, change: FailoverSettings): FailoverSettings {
  const next: FailoverSettings = { ...current };
  for (const [channel, ids] of Object.entries(change) as [KeywordChannel, string[]][]) {
    if (ids.length === 0) delete next[channel];
    else next[channel] = [...ids];
  }
  return next;
}

function checkQuietHours(input: NonNullable<SettingsInput['quiet_hours']>): QuietHours {
  const start = parseClock(input.start);
  const end = parseClock(input.end);
  if (start === null) throw invalid('invalid_request', 'quiet_hours.start must be a 24-hour time "HH:MM"', 'quiet_hours.start');
  if (end === null) throw invalid('invalid_request', 'quiet_hours.end must be a 24-hour time "HH:MM"', 'quiet_hours.end');
  if (start === end) throw invalid('invalid_request', 'quiet_hours.end must differ from quiet_hours.start', 'quiet_hours.end');
  const attribute = input.timezone_attribute ?? 'timezone';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(attribute)) throw invalid('invalid_request', 'quiet_hours.timezone_attribute must be an attribute name (letters, digits, _ . -)', 'quiet_hours.timezone_attribute');
  const zone = input.default_timezone ?? 'UTC';
  if (!isTimeZone(zone)) throw invalid('invalid_request', `quiet_hours.default_timezone "${zone}" is not an IANA time zone`, 'quiet_hours.default_timezone');
  return { start: input.start, end: input.end, timezone_attribute: attribute, default_timezone: zone };
}

function checkFrequencyCap(cap: FrequencyCap): void {
  if (!Number.isInteger(cap.max) || cap.max < 1) throw invalid('invalid_request', 'frequency_cap.max must be a whole number of at least 1', 'frequency_cap.max');
  if (cap.per !== 'day' && cap.per !== 'week') throw invalid('invalid_request', 'frequency_cap.per must be "day" or "week"', 'frequency_cap.per');
}
