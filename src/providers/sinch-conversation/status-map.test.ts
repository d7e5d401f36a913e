import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DELIVERY_STATUS_MAP, mapDeliveryStatus, REASON_CODE_STATUS } from './status-map.js';

/** Every reason code of docs/providers/sinch-conversation.md B.5 (sinch-node reason.ts, sinch-java ReasonCode.java). */
const B5_REASON_CODES = [
  'UNKNOWN', 'INTERNAL_ERROR', 'RATE_LIMITED',
  'RECIPIENT_INVALID_CHANNEL_IDENTITY', 'RECIPIENT_NOT_REACHABLE', 'RECIPIENT_NOT_OPTED_IN',
  'OUTSIDE_ALLOWED_SENDING_WINDOW',
  'CHANNEL_FAILURE', 'CHANNEL_BAD_CONFIGURATION', 'CHANNEL_CONFIGURATION_MISSING',
  'MEDIA_TYPE_UNSUPPORTED', 'MEDIA_TOO_LARGE', 'MEDIA_NOT_REACHABLE',
  'NO_CHANNELS_LEFT',
  'TEMPLATE_NOT_FOUND', 'TEMPLATE_INSUFFICIENT_PARAMETERS', 'TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION',
  'DELIVERY_TIMED_OUT', 'DELIVERY_REJECTED_DUE_TO_POLICY',
  'CONTACT_NOT_FOUND', 'BAD_REQUEST', 'UNKNOWN_APP', 'NO_CHANNEL_IDENTITY_FOR_CONTACT', 'CHANNEL_REJECT',
  'NO_PERMISSION', 'NO_PROFILE_AVAILABLE', 'UNSUPPORTED_OPERATION',
  'INACTIVE_CREDENTIAL', 'MESSAGE_EXPIRED', 'MESSAGE_SPLIT_REQUIRED', 'DELIVERY_REPORT_TIME_OUT',
];

test('every B.5 reason code is classified, and nothing else', () => {
  assert.equal(B5_REASON_CODES.length, 31);
  assert.deepEqual(Object.keys(REASON_CODE_STATUS).sort(), [...B5_REASON_CODES].sort());
});

test('delivery statuses map per docs/providers/sinch-conversation.md B.5', () => {
  const cases: [string, string | null, ReturnType<typeof mapDeliveryStatus>][] = [
    ['QUEUED_ON_CHANNEL', null, 'sent'],
    ['DELIVERED', null, 'delivered'],
    ['READ', null, 'read'],
    ['SWITCHING_CHANNEL', 'RECIPIENT_NOT_REACHABLE', null], // recorded without a status
    ['FAILED', null, 'failed'], // no reason: failed
    ['FAILED', 'SOMETHING_NEW', 'failed'], // unknown codes: failed
    ['FAILED', 'toString', 'failed'], // no prototype leaks
    ['QUEUED', null, undefined], // exists inside Sinch, never reported
    ['delivered', null, undefined], // words are case-sensitive
    ['hasOwnProperty', null, undefined],
  ];
  for (const [status, reason, expected] of cases) assert.equal(mapDeliveryStatus(status, reason), expected, `${status}/${reason}`);
  assert.equal(Object.keys(DELIVERY_STATUS_MAP).length, 5);
});

test('FAILED reasons: refusals are rejected, delivery problems failed', () => {
  const rejected = [
    'BAD_REQUEST', 'RECIPIENT_INVALID_CHANNEL_IDENTITY', 'NO_CHANNEL_IDENTITY_FOR_CONTACT', 'CONTACT_NOT_FOUND',
    'TEMPLATE_NOT_FOUND', 'TEMPLATE_INSUFFICIENT_PARAMETERS', 'TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION',
    'NO_PERMISSION', 'DELIVERY_REJECTED_DUE_TO_POLICY', 'RECIPIENT_NOT_OPTED_IN', 'OUTSIDE_ALLOWED_SENDING_WINDOW',
    'CHANNEL_REJECT', 'UNKNOWN_APP', 'CHANNEL_BAD_CONFIGURATION', 'CHANNEL_CONFIGURATION_MISSING', 'INACTIVE_CREDENTIAL',
    'MEDIA_TYPE_UNSUPPORTED', 'MEDIA_TOO_LARGE', 'UNSUPPORTED_OPERATION', 'MESSAGE_SPLIT_REQUIRED',
  ];
  const failed = [
    'UNKNOWN', 'INTERNAL_ERROR', 'RATE_LIMITED', 'RECIPIENT_NOT_REACHABLE', 'CHANNEL_FAILURE', 'MEDIA_NOT_REACHABLE',
    'NO_CHANNELS_LEFT', 'DELIVERY_TIMED_OUT', 'NO_PROFILE_AVAILABLE', 'MESSAGE_EXPIRED', 'DELIVERY_REPORT_TIME_OUT',
  ];
  assert.equal(rejected.length + failed.length, 31);
  for (const code of rejected) assert.equal(mapDeliveryStatus('FAILED', code), 'rejected', code);
  for (const code of failed) assert.equal(mapDeliveryStatus('FAILED', code), 'failed', code);
  // A reason on a success status changes nothing.
  assert.equal(mapDeliveryStatus('DELIVERED', 'BAD_REQUEST'), 'delivered');
});
