import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifySender, senderProblem, type SenderKind } from './sender.js';

test('a sender is classified by its shape', () => {
  const cases: [string, SenderKind | null][] = [
    ['+12025550100', 'e164'],
    ['+4915123456789', 'e164'],
    ['+0123456789', null], // no country code starts with 0
    ['+123456', null], // too short for E.164
    ['+1234567890123456', null], // 16 digits
    ['12025550999', 'msisdn'],
    ['46701234567', 'msisdn'],
    ['123', 'short_code'],
    ['88222', 'short_code'],
    ['12345678', 'short_code'],
    ['12', null],
    ['ACME', 'alphanumeric'],
    ['Acme Shop', 'alphanumeric'],
    ['Shop24', 'alphanumeric'],
    ['ABCDEFGHIJK', 'alphanumeric'], // 11: the most
    ['ABCDEFGHIJKL', null], // 12
    ['Café', 'alphanumeric'], // é is in the GSM alphabet
    ['Caffè😀', null],
    ['Ω-Shop', 'alphanumeric'], // Ω is GSM
    ['Щит', null],
    [' ACME', null],
    ['202-555-0100', null],
    ['MG' + 'a1'.repeat(16), 'messaging_service'],
    ['MG' + 'A1'.repeat(16), null], // SIDs are lower-case hex, and 34 characters is too long for an alphanumeric id
  ];
  for (const [sender, kind] of cases) assert.equal(classifySender(sender).kind, kind, sender);
});

test('a refusal names what the provider would take', () => {
  assert.equal(senderProblem('+12025550100', ['e164', 'short_code'], 'Twilio Messaging on mms'), null);
  const alpha = senderProblem('ACME', ['e164', 'short_code', 'messaging_service'], 'Twilio Messaging on mms');
  assert.match(alpha!, /"ACME" is an alphanumeric sender ID .*which Twilio Messaging on mms does not take; it takes a phone number in E\.164/);
  assert.match(senderProblem('MG' + '0'.repeat(32), ['e164', 'msisdn', 'short_code', 'alphanumeric'], 'Sinch SMS on sms')!, /Messaging Service SID \(MG and 32 hex digits\), which Sinch SMS on sms does not take/);
  assert.match(senderProblem('Store', [], 'Sinch Mobile Messaging on whatsapp')!, /takes no sender/);
  assert.match(senderProblem('TooLongSenderId', ['alphanumeric'], 'Sinch SMS on sms')!, /longer than 11 characters/);
});
