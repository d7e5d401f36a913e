import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CM_REPORT_CODES, CM_REQUEST_CODES, reportCode, requestCode } from './status-map.js';

test('request errorCodes and whose fault each is', () => {
  const cases: [number, string, string][] = [
    [101, 'AuthenticationFailed', 'account'],
    [102, 'BalanceInsufficient', 'account'],
    [103, 'ApiKeyIncorrect', 'account'],
    [201, 'NotAllSent', 'message'],
    [202, 'RequestMalformed', 'message'],
    [203, 'MsgArrayIncorrect', 'message'],
    [301, 'FromFieldInvalid', 'message'],
    [302, 'ToFieldInvalid', 'message'],
    [303, 'MsisdnInvalid', 'message'],
    [304, 'BodyFieldInvalid', 'message'],
    [305, 'FieldInvalid', 'message'],
    [401, 'SpamFiltered', 'message'],
    [402, 'BlackListed', 'message'],
    [403, 'Rejected', 'message'],
    [500, 'InternalServerError', 'transient'],
    [999, 'Unknown', 'transient'],
    // Outside the SDK's enum: read by class.
    [104, 'Code104', 'account'],
    [306, 'Code306', 'message'],
    [600, 'Code600', 'transient'],
  ];
  for (const [code, name, fault] of cases) assert.deepEqual([requestCode(code).name, requestCode(code).fault], [name, fault], String(code));
  assert.equal(Object.keys(CM_REQUEST_CODES).length, 16);
});

test('status report codes', () => {
  const cases: [string, string | null | undefined][] = [
    ['0', 'sent'],
    ['1', 'rejected'],
    ['2', 'delivered'],
    ['3', 'failed'],
    [' 2 ', 'delivered'],
    ['4', undefined],
    ['toString', undefined], // no prototype leaks
    ['Delivered', undefined],
  ];
  for (const [code, expected] of cases) assert.equal(reportCode(code)?.status, expected, code);
  for (const entry of Object.values(CM_REPORT_CODES)) assert.match(entry.source, /third-party .*not confirmed by CM/);
});
