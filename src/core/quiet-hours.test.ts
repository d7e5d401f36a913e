import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inQuietWindow, isTimeZone, nextAllowedTime, nextAllowedTimeInAll, parseClock, type QuietWindow } from './quiet-hours.js';

const w = (start: string, end: string): QuietWindow => ({ start: parseClock(start)!, end: parseClock(end)! });
const at = (iso: string) => Date.parse(iso);

test('parseClock', () => {
  const cases: [string, number | null][] = [
    ['00:00', 0],
    ['08:00', 480],
    ['21:30', 1290],
    ['23:59', 1439],
    ['24:00', null],
    ['8:00', null],
    ['08:60', null],
    ['08:00:00', null],
    ['', null],
  ];
  for (const [input, want] of cases) assert.equal(parseClock(input), want, input);
});

test('inQuietWindow, within a day and across midnight', () => {
  const cases: [QuietWindow, string, boolean][] = [
    [w('21:00', '08:00'), '20:59', false],
    [w('21:00', '08:00'), '21:00', true],
    [w('21:00', '08:00'), '23:59', true],
    [w('21:00', '08:00'), '00:00', true],
    [w('21:00', '08:00'), '07:59', true],
    [w('21:00', '08:00'), '08:00', false],
    [w('12:00', '14:00'), '11:59', false],
    [w('12:00', '14:00'), '12:00', true],
    [w('12:00', '14:00'), '14:00', false],
  ];
  for (const [q, clock, want] of cases) assert.equal(inQuietWindow(parseClock(clock)!, q), want, `${clock} in ${q.start}-${q.end}`);
});

test('nextAllowedTime', () => {
  const cases: { name: string; now: string; q: QuietWindow; zone: string; want: string }[] = [
    { name: 'outside the window: now', now: '2026-06-01T12:34:56.789Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-01T12:34:56.789Z' },
    { name: 'a second before the start: now', now: '2026-06-01T20:59:59Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-01T20:59:59Z' },
    { name: 'at the start: the next morning', now: '2026-06-01T21:00:00Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-02T08:00:00Z' },
    { name: 'before midnight: the next morning', now: '2026-06-01T23:10:00Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-02T08:00:00Z' },
    { name: 'after midnight: this morning', now: '2026-06-02T03:00:00Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-02T08:00:00Z' },
    { name: 'the last quiet second', now: '2026-06-02T07:59:59Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-02T08:00:00Z' },
    { name: 'the end itself: now', now: '2026-06-02T08:00:00Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2026-06-02T08:00:00Z' },
    { name: 'a window within the day', now: '2026-06-01T13:00:00Z', q: w('12:00', '14:00'), zone: 'UTC', want: '2026-06-01T14:00:00Z' },
    { name: 'year end', now: '2026-12-31T22:00:00Z', q: w('21:00', '08:00'), zone: 'UTC', want: '2027-01-01T08:00:00Z' },
    { name: 'Paris in summer (+02:00)', now: '2026-07-01T20:00:00Z', q: w('21:00', '08:00'), zone: 'Europe/Paris', want: '2026-07-02T06:00:00Z' },
    { name: 'Paris in winter (+01:00)', now: '2026-01-15T20:00:00Z', q: w('21:00', '08:00'), zone: 'Europe/Paris', want: '2026-01-16T07:00:00Z' },
    { name: 'UTC evening is already morning in Tokyo: now', now: '2026-06-01T23:30:00Z', q: w('21:00', '08:00'), zone: 'Asia/Tokyo', want: '2026-06-01T23:30:00Z' },
    { name: 'half-hour offset (Kolkata +05:30)', now: '2026-01-10T16:00:00Z', q: w('21:00', '08:00'), zone: 'Asia/Kolkata', want: '2026-01-11T02:30:00Z' },
    // Paris springs forward on 2026-03-29: 02:00 +01:00 becomes 03:00 +02:00 (01:00Z).
    { name: 'DST starts during the night: 08:00 at the new offset', now: '2026-03-28T23:00:00Z', q: w('21:00', '08:00'), zone: 'Europe/Paris', want: '2026-03-29T06:00:00Z' },
    { name: 'the window ends inside the skipped hour: when the clock jumps', now: '2026-03-29T00:30:00Z', q: w('22:00', '02:30'), zone: 'Europe/Paris', want: '2026-03-29T01:00:00Z' },
    // Paris falls back on 2026-10-25: 03:00 +02:00 becomes 02:00 +01:00 (01:00Z).
    { name: 'DST ends during the night: 08:00 at the new offset', now: '2026-10-24T20:00:00Z', q: w('21:00', '08:00'), zone: 'Europe/Paris', want: '2026-10-25T07:00:00Z' },
    { name: 'the window ends in the repeated hour: its first occurrence', now: '2026-10-24T21:00:00Z', q: w('22:00', '02:30'), zone: 'Europe/Paris', want: '2026-10-25T00:30:00Z' },
    { name: 'in the repeated hour, past its first end: the second is still quiet, until 02:30 +01:00', now: '2026-10-25T00:45:00Z', q: w('02:00', '02:30'), zone: 'Europe/Paris', want: '2026-10-25T00:45:00Z' },
    // New York springs forward on 2026-03-08 at 02:00 EST (07:00Z).
    { name: 'New York across the spring change', now: '2026-03-08T03:00:00Z', q: w('21:00', '08:00'), zone: 'America/New_York', want: '2026-03-08T12:00:00Z' },
    // Sydney falls back on 2026-04-05 at 03:00 AEDT (16:00Z on the 4th).
    { name: 'Sydney across the autumn change', now: '2026-04-04T11:00:00Z', q: w('21:00', '08:00'), zone: 'Australia/Sydney', want: '2026-04-04T22:00:00Z' },
    // Lord Howe moves by half an hour: 02:00 +10:30 becomes 02:30 +11:00 on 2026-10-04 (15:30Z on the 3rd).
    { name: 'a half-hour DST gap swallowing the end', now: '2026-10-03T15:00:00Z', q: w('01:00', '02:15'), zone: 'Australia/Lord_Howe', want: '2026-10-03T15:30:00Z' },
  ];
  for (const c of cases) assert.equal(new Date(nextAllowedTime(at(c.now), c.q, c.zone)).toISOString(), new Date(at(c.want)).toISOString(), c.name);
});

test('nextAllowedTime: the answer is never quiet and never earlier than needed (every 47 minutes of a year, three zones)', () => {
  const q = w('21:00', '08:00');
  for (const zone of ['Europe/London', 'America/Santiago', 'Australia/Lord_Howe']) {
    const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    const quiet = (t: number) => {
      const [h, m] = f.format(t).split(':').map(Number);
      return inQuietWindow(h! * 60 + m!, q);
    };
    for (let t = at('2026-01-01T00:00:00Z'); t < at('2027-01-01T00:00:00Z'); t += 47 * 60_000 + 7_000) {
      const next = nextAllowedTime(t, q, zone);
      assert.ok(next >= t && !quiet(next), `${zone} ${new Date(t).toISOString()} -> ${new Date(next).toISOString()}`);
      if (next > t) assert.ok(quiet(next - 60_000), `${zone} ${new Date(t).toISOString()}: the minute before ${new Date(next).toISOString()} was allowed already`);
      assert.ok(next - t <= 14 * 3600_000, `${zone} ${new Date(t).toISOString()} waits too long`);
    }
  }
});

test('nextAllowedTimeInAll: the window common to every zone', () => {
  const q = w('21:00', '08:00');
  const cases: { name: string; now: string; zones: string[]; want: string }[] = [
    { name: 'one zone', now: '2026-06-02T03:00:00Z', zones: ['UTC'], want: '2026-06-02T08:00:00Z' },
    // 17:00Z: 13:00 in New York, 07:00 in Honolulu: wait for Honolulu's 08:00 (18:00Z).
    { name: 'the latest morning', now: '2026-06-02T17:00:00Z', zones: ['America/New_York', 'Pacific/Honolulu'], want: '2026-06-02T18:00:00Z' },
    // 23:30Z: 19:30 in New York, 13:30 in Honolulu: both allowed.
    { name: 'allowed in both', now: '2026-06-02T23:30:00Z', zones: ['America/New_York', 'Pacific/Honolulu'], want: '2026-06-02T23:30:00Z' },
    // 02:00Z: 22:00 in New York (quiet until 12:00Z), 16:00 in Honolulu; at 12:00Z Honolulu is 02:00: quiet until 18:00Z.
    { name: 'one zone pushes past the other', now: '2026-06-03T02:00:00Z', zones: ['America/New_York', 'Pacific/Honolulu'], want: '2026-06-03T18:00:00Z' },
  ];
  for (const c of cases) assert.equal(new Date(nextAllowedTimeInAll(at(c.now), q, c.zones)).toISOString(), new Date(at(c.want)).toISOString(), c.name);
  // Twelve hours apart with a two-hour allowed window: never all allowed; the first round's latest.
  const narrow = w('10:00', '08:00');
  const t = nextAllowedTimeInAll(at('2026-06-02T12:00:00Z'), narrow, ['UTC', 'Etc/GMT-12']);
  assert.ok(t > at('2026-06-02T12:00:00Z'));
});

test('isTimeZone', () => {
  const cases: [string, boolean][] = [
    ['Europe/Paris', true],
    ['UTC', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus', false],
    ['', false],
    ['x'.repeat(100), false],
  ];
  for (const [zone, want] of cases) assert.equal(isTimeZone(zone), want, zone);
});
