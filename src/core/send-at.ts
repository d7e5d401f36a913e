// `send_at`: when a message or campaign should go out, as the caller writes it.
import { invalid } from './errors.js';

/** How far ahead a send may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600 * 1000;

// A full date-time with seconds optional and an explicit offset: a bare local time would be read
// in the hub's zone, which the caller cannot know.
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The instant `value` names, in epoch ms. A time in the past means now (a clock a little behind
 * must not turn a send into an error); more than MAX_SCHEDULE_AHEAD_MS ahead is refused.
 */
export function parseSendAt(value: string, now: number, field = 'send_at'): number {
  const m = ISO_WITH_OFFSET.exec(value);
  const t = m ? Date.parse(value) : NaN;
  // Date.parse rolls 2026-02-30 over to March: a date it had to correct is not the one written.
  if (!m || Number.isNaN(t) || !sameCalendarDate(m, t)) {
    throw invalid('invalid_request', `${field} must be an ISO 8601 date-time with a time zone offset, like 2026-05-01T09:00:00+02:00`, field);
  }
  if (t > now + MAX_SCHEDULE_AHEAD_MS) throw invalid('invalid_request', `${field} is more than a year ahead`, field);
  return Math.max(t, now);
}

function sameCalendarDate(m: RegExpExecArray, t: number): boolean {
  const offset = m[7]!.toUpperCase() === 'Z' ? 0 : (m[7]!.startsWith('-') ? -1 : 1) * (Number(m[7]!.slice(1, 3)) * 60 + Number(m[7]!.slice(4, 6)));
  const local = new Date(t + offset * 60_000);
  return local.getUTCFullYear() === Number(m[1]) && local.getUTCMonth() + 1 === Number(m[2]) && local.getUTCDate() === Number(m[3]) && local.getUTCHours() === Number(m[4]);
}
