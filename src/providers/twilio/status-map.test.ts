import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapTwilioStatus, TWILIO_STATUS_MAP, twilioErrorTitle } from './status-map.js';

test('every Twilio message status maps per docs/providers/twilio.md C.5', () => {
  const cases: [string, ReturnType<typeof mapTwilioStatus>][] = [
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'failed'],
    ['failed', 'rejected'],
    ['canceled', 'failed'],
    ['queued', null],
    ['sending', null],
    ['accepted', null],
    ['scheduled', null],
    ['receiving', null],
    ['received', null],
    ['partially_delivered', null],
    ['Delivered', undefined], // case-sensitive, as Twilio spells them
    ['toString', undefined], // no prototype leaks
    ['bogus', undefined],
  ];
  for (const [word, expected] of cases) assert.equal(mapTwilioStatus(word), expected, word);
});

test('the map covers exactly the spec enum (message_enum_status)', () => {
  // C.2: queued, sending, sent, failed, delivered, undelivered, receiving, received, accepted,
  // scheduled, read, partially_delivered, canceled.
  const enumeration = [
    'queued', 'sending', 'sent', 'failed', 'delivered', 'undelivered', 'receiving', 'received',
    'accepted', 'scheduled', 'read', 'partially_delivered', 'canceled',
  ];
  assert.deepEqual(Object.keys(TWILIO_STATUS_MAP).sort(), [...enumeration].sort());
});

test('error titles', () => {
  const cases: [number, string | null][] = [
    [30003, 'Unreachable destination handset'],
    [30005, 'Unknown destination handset'],
    [30006, 'Landline or unreachable carrier'],
    [30007, 'Message filtered'],
    [30008, 'Unknown error'],
    [21610, "Message cannot be sent to the 'To' number because the customer has replied with STOP"],
    [21211, "Invalid 'To' Phone Number"],
    [30034, null],
    [0, null],
    [12345, null],
  ];
  for (const [code, expected] of cases) assert.equal(twilioErrorTitle(code), expected, String(code));
});
