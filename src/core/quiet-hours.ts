// Quiet hours: a daily window of the recipient's local time in which marketing messages wait.
// Local time comes from the platform's time-zone database (Intl), which follows DST; the few
// wall-clock edge cases (a window ending inside a DST gap, or in a repeated hour) are settled
// here by looking at the actual local time of each candidate minute.

/** A daily window in local minutes since midnight: [start, end), crossing midnight when start > end. */
export interface QuietWindow {
  start: number;
  end: number;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (24-hour) as minutes since midnight, or null when it is not one. */
export function parseClock(value: string): number | null {
  const m = CLOCK.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function inQuietWindow(minuteOfDay: number, q: QuietWindow): boolean {
  return q.start < q.end ? minuteOfDay >= q.start && minuteOfDay < q.end : minuteOfDay >= q.start || minuteOfDay < q.end;
}

// Building a formatter costs far more than using one: one per zone, kept (there are ~600 zones).
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      f = null;
    }
    // Bounded: a bad attribute value must not grow the cache without end.
    if (formatters.size < 2000) formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  return zone.length > 0 && zone.length <= 64 && formatter(zone) !== null;
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function wall(t: number, zone: string): Wall {
  const f = formatter(zone);
  if (!f) throw new RangeError(`unknown time zone ${zone}`);
  const w: Wall = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of f.formatToParts(t)) {
    if (p.type === 'year') w.y = Number(p.value);
    else if (p.type === 'month') w.mo = Number(p.value);
    else if (p.type === 'day') w.d = Number(p.value);
    else if (p.type === 'hour') w.h = Number(p.value);
    else if (p.type === 'minute') w.mi = Number(p.value);
    else if (p.type === 'second') w.s = Number(p.value);
  }
  return w;
}

/** The zone's offset from UTC at instant t, in ms (local = utc + offset). */
function offsetAt(t: number, zone: string): number {
  const w = wall(t, zone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(t / 1000) * 1000;
}

function quietAt(t: number, q: QuietWindow, zone: string): boolean {
  const w = wall(t, zone);
  return inQuietWindow(w.h * 60 + w.mi, q);
}

const MINUTE = 60_000;

/**
 * The first instant at or after `now` outside the quiet window in `zone`: `now` itself when it
 * is outside, else the first minute whose local time is past the window's end. A window ending
 * in a DST gap ends when the clock jumps past it; one ending in a repeated hour ends at its first
 * occurrence. Throws RangeError for an unknown zone.
 */
export function nextAllowedTime(now: number, q: QuietWindow, zone: string): number {
  const w = wall(now, zone);
  if (!inQuietWindow(w.h * 60 + w.mi, q)) return now;
  // The end's local date: today, or tomorrow when the window started before midnight.
  const days = w.h * 60 + w.mi < q.end ? 0 : 1;
  const target = Date.UTC(w.y, w.mo - 1, w.d + days, Math.floor(q.end / 60), q.end % 60);
  // The wall time under the offset now and under the offset then; the earliest that really is
  // that wall time wins (the first of a repeated hour).
  const o1 = offsetAt(now, zone);
  const o2 = offsetAt(target - o1, zone);
  const candidates = [target - o1, target - o2];
  const real = candidates.filter((c) => c > now && offsetAt(c, zone) === target - c);
  let t = real.length > 0 ? Math.min(...real) : Math.min(...candidates);
  // In a gap neither is real: walk to where the clock has jumped past the end.
  for (let i = 0; i < 26 * 60 && (t <= now || quietAt(t, q, zone)); i++) t += MINUTE;
  return t;
}

/**
 * The first instant at or after `now` outside the window in every one of `zones` (a country's
 * zones, when only the country is known): the most conservative choice. When the zones share no
 * allowed minute soon, the latest of their own next allowed times.
 */
export function nextAllowedTimeInAll(now: number, q: QuietWindow, zones: readonly string[]): number {
  if (zones.length === 1) return nextAllowedTime(now, q, zones[0]!);
  let first = 0;
  let t = now;
  for (let round = 0; round < 8; round++) {
    let latest = t;
    for (const z of zones) latest = Math.max(latest, nextAllowedTime(t, q, z));
    if (round === 0) first = latest;
    if (latest === t) return t;
    t = latest;
  }
  return first;
}
