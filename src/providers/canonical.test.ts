import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignored, normalizeMsisdn, parseDate } from './canonical.js';
import { normalizeIdentity } from './sinch-conversation/webhook.js';

test('normalizeMsisdn: MSISDNs get their "+" back; short codes, names and other ids are kept', () => {
  const cases: [string, string][] = [
    ['44231235674', '+44231235674'],
    ['+44231235674', '+44231235674'],
    ['46701234567', '+46701234567'],
    [' 46701234567 ', '+46701234567'],
    [' 12345678910 ', '+12345678910'],
    ['1234567', '+1234567'],
    ['123456789012345', '+123456789012345'],
    ['1234567890123456', '1234567890123456'],
    ['123456', '123456'],
    ['72345', '72345'],
    ['MyBrand', 'MyBrand'],
    ['psid-123', 'psid-123'],
    ['', ''],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeMsisdn(input), expected, input);
  // The Conversation API's name for it is this function.
  assert.equal(normalizeIdentity, normalizeMsisdn);
});

test('parseDate: ISO timestamps, else null', () => {
  assert.deepEqual(parseDate('2024-05-01T10:00:00.123Z'), new Date(Date.UTC(2024, 4, 1, 10, 0, 0, 123)));
  assert.equal(parseDate(null), null);
  assert.equal(parseDate(''), null);
  assert.equal(parseDate('yesterday-ish'), null);
});

test('ignored', () => {
  assert.deepEqual(ignored('why'), { kind: 'ignored', reason: 'why' });
});
