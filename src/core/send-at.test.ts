import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from './errors.js';
import { MAX_SCHEDULE_AHEAD_MS, parseSendAt } from './send-at.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');

test('parseSendAt: accepted forms', () => {
  const cases: [string, number][] = [
    ['2026-06-02T09:00:00Z', Date.parse('2026-06-02T09:00:00Z')],
    ['2026-06-02T09:00:00+02:00', Date.parse('2026-06-02T07:00:00Z')],
    ['2026-06-02T09:00-05:30', Date.parse('2026-06-02T14:30:00Z')],
    ['2026-06-02T09:00:00.250z', Date.parse('2026-06-02T09:00:00.250Z')],
    // The past means now.
    ['2020-01-01T00:00:00Z', NOW],
    ['2026-06-01T11:59:59Z', NOW],
  ];
  for (const [input, want] of cases) assert.equal(parseSendAt(input, NOW), want, input);
});

test('parseSendAt: refused forms name the field', () => {
  const cases = [
    '2026-06-02T09:00:00', // no offset
    '2026-06-02', // no time
    '2026-02-30T09:00:00Z', // no such day
    '2026-06-02T24:00:00Z',
    'tomorrow',
    '',
    new Date(NOW + MAX_SCHEDULE_AHEAD_MS + 60_000).toISOString(), // too far ahead
  ];
  for (const input of cases) {
    assert.throws(() => parseSendAt(input, NOW, 'send_at'), (e: unknown) => e instanceof DomainError && e.kind === 'invalid' && e.field === 'send_at', input);
  }
});
