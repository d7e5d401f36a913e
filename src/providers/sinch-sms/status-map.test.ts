import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapSinchStatus, sinchCodeName, SINCH_STATUS_MAP } from './status-map.js';

test('every Sinch status word maps per docs/providers/sinch-sms.md A.7', () => {
  const cases: [string, ReturnType<typeof mapSinchStatus>][] = [
    ['Queued', null],
    ['Dispatched', 'sent'],
    ['Delivered', 'delivered'],
    ['Rejected', 'rejected'],
    ['Aborted', 'rejected'],
    ['Failed', 'failed'],
    ['Expired', 'failed'],
    ['Deleted', 'failed'],
    ['Unknown', 'failed'],
    ['Cancelled', 'failed'],
    ['Bogus', undefined],
    ['toString', undefined], // no prototype leaks
    ['delivered', undefined], // words are case-sensitive, as Sinch spells them
  ];
  for (const [word, expected] of cases) assert.equal(mapSinchStatus(word), expected, word);
  assert.equal(Object.keys(SINCH_STATUS_MAP).length, 10);
});

test('REST DR code names', () => {
  const cases: [number, string | null][] = [
    [0, null],
    [1, null],
    [399, null],
    [400, 'Queued'],
    [401, 'Dispatched'],
    [402, 'Message unroutable'],
    [406, 'Internal Expiry'],
    [409, null],
    [411, 'Exceeded parts limit'],
    [413, 'Blocked (account blocked / out of credits)'],
    [418, 'DR Unrecognized'],
    [419, null],
  ];
  for (const [code, expected] of cases) assert.equal(sinchCodeName(code), expected, String(code));
});
