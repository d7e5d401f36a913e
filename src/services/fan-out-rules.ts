// The per-recipient rules of a campaign's fan-out that the project's settings add: the frequency
// cap (a customer at the cap is skipped) and quiet hours (a message whose recipient is in their
// quiet hours is queued for the end of them). Transactional sends are exempt from both: only the
// launch calls this. Settings are read once per launch; each chunk asks the store once.
import { getCountry } from 'countries-and-timezones';
import { idFloor } from '../core/ids.js';
import { isTimeZone, nextAllowedTimeInAll, parseClock, type QuietWindow } from '../core/quiet-hours.js';
import type { DB } from '../store/db.js';
import type { CustomerContact } from '../store/customers.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';
import { FREQUENCY_WINDOW_MS, getProject, settingsOf, type QuietHours } from './projects.js';

export interface ChunkRules {
  /** The customer already has as many campaign messages in the window as the cap allows. */
  capped(customerRef: string): boolean;
  /**
   * Moves the message to the end of its recipient's quiet hours when it would go out in them
   * (its retry deadline moves with it); true when it did.
   */
  defer(row: MessagesTable, customer: CustomerContact): boolean;
}

export interface FanOutRules {
  /** The rules for one chunk of the audience, queued at `at`. */
  chunk(trx: DB, customerRefs: readonly string[], at: number): Promise<ChunkRules>;
}

const NONE: ChunkRules = { capped: () => false, defer: () => false };

export async function fanOutRules(db: DB, projectId: string, campaignId: string): Promise<FanOutRules> {
  const settings = settingsOf(await getProject(db, projectId));
  const cap = settings.frequency_cap;
  const quiet = settings.quiet_hours;
  if (!cap && !quiet) return { chunk: () => Promise.resolve(NONE) };
  const zones = quiet ? new RecipientZones(quiet) : null;
  const window: QuietWindow | null = quiet ? { start: parseClock(quiet.start)!, end: parseClock(quiet.end)! } : null;
  return {
    async chunk(trx, customerRefs, at) {
      const atCap = cap ? await messageStore.customersAtCap(trx, customerRefs, idFloor('msg', at - FREQUENCY_WINDOW_MS[cap.per]), campaignId, cap.max) : null;
      // Every message of a chunk is queued at the same instant: one answer per zone.
      const allowedAt = new Map<string, number>();
      return {
        capped: (ref) => atCap?.has(ref) ?? false,
        defer(row, customer) {
          if (!zones || !window) return false;
          const zone = zones.of(customer);
          let t = allowedAt.get(zone.key);
          if (t === undefined) allowedAt.set(zone.key, (t = nextAllowedTimeInAll(at, window, zone.zones)));
          if (t <= row.next_attempt_at) return false;
          row.deadline_at += t - row.next_attempt_at;
          row.next_attempt_at = t;
          return true;
        },
      };
    },
  };
}

/** Where a recipient's local time comes from: their attribute, else their country, else the project's default. */
class RecipientZones {
  readonly #countries = new Map<string, { key: string; zones: string[] } | null>();
  readonly #default: { key: string; zones: string[] };
  readonly #needle: string;

  constructor(private readonly quiet: QuietHours) {
    this.#default = { key: `zone:${quiet.default_timezone}`, zones: [quiet.default_timezone] };
    this.#needle = JSON.stringify(quiet.timezone_attribute);
  }

  of(c: CustomerContact): { key: string; zones: string[] } {
    // Most profiles lack the attribute: don't parse them for it.
    if (c.attributes.includes(this.#needle)) {
      const value = (JSON.parse(c.attributes) as Record<string, unknown>)[this.quiet.timezone_attribute];
      if (typeof value === 'string' && isTimeZone(value)) return { key: `zone:${value}`, zones: [value] };
    }
    if (c.country) {
      let byCountry = this.#countries.get(c.country);
      if (byCountry === undefined) {
        const zones = (getCountry(c.country)?.timezones ?? []).filter(isTimeZone);
        this.#countries.set(c.country, (byCountry = zones.length ? { key: `country:${c.country}`, zones } : null));
      }
      if (byCountry) return byCountry;
    }
    return this.#default;
  }
}
