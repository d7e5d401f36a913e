import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CanonicalUpdate, StoredWebhook } from '../types.js';
import { cmAdapter } from './index.js';
import { cmTime, cmToE164 } from './webhook.js';

const raw = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const hook = (endpoint: string, rawBody: Buffer | string, contentType: string | null = 'application/json'): StoredWebhook => ({
  endpoint,
  rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
  contentType,
  query: '',
});
const parse = (h: StoredWebhook): CanonicalUpdate[] => cmAdapter.parseWebhook(h);

const ID = 'msg_01jefq3w6y8a2b3c4d5e6f7g8h';
const REF = 'msg01jefq3w6y8a2b3c4d5e6f7g8h';

test('webhook endpoints: status (the status callback) and inbound; anything passes verifyWebhook, the URL token is the check', () => {
  assert.deepEqual(cmAdapter.webhookEndpoints.map((e) => [e.name, e.statusCallback ?? false]), [['status', true], ['inbound', false]]);
  const result = cmAdapter.verifyWebhook({ product_token: 'x' }, { endpoint: 'status', headers: {}, rawBody: Buffer.from('{}'), publicUrl: 'https://hub/x' }, Date.now());
  assert.deepEqual(result, { ok: true });
});

test('a JSON delivered report', () => {
  assert.deepEqual(parse(hook('status', raw('status-report-delivered.json'))), [
    {
      kind: 'status',
      messageId: ID,
      providerMessageId: REF,
      recipient: '+31612345678',
      status: 'delivered',
      providerStatus: 'Delivered',
      statusCode: 2,
      error: null,
      comment: null,
      occurredAt: new Date('2026-12-04T20:15:03Z'),
    },
  ]);
});

test('an XML failed report, whatever its content type says', () => {
  for (const contentType of ['application/xml', 'text/xml; charset=utf-8', null, 'application/json']) {
    assert.deepEqual(parse(hook('status', raw('status-report-failed.xml'), contentType)), [
      {
        kind: 'status',
        messageId: ID,
        providerMessageId: REF,
        recipient: '+31612345678',
        status: 'failed',
        providerStatus: 'Failed',
        statusCode: 3,
        error: '5',
        comment: 'Unknown subscriber',
        occurredAt: new Date('2026-12-04T20:15:07Z'),
      },
    ], String(contentType));
  }
});

test('several MSG in one XML report, and msg as a JSON array', () => {
  const xml = parse(hook('status', raw('status-report-two.xml'), 'text/xml'));
  assert.deepEqual(xml.map((u) => (u.kind === 'status' ? [u.messageId, u.status, u.recipient, u.error, u.comment] : u.kind)), [
    [ID, 'sent', '+31612345678', null, null],
    ['msg_01jefq3w6y8a2b3c4d5e6f7g8j', 'rejected', '+44770090001', '11', 'Rejected by operator'],
  ]);
  const json = JSON.stringify({
    messages: {
      msg: [
        { received: '2026-12-04T20:15:01', to: '0031612345678', reference: REF, status: { code: '0', errorCode: '', errorDescription: '' } },
        { received: '2026-12-04T20:15:02', to: '0031612345678', reference: 'theirs', status: { code: 3, errorCode: 9, errorDescription: 'Illegal' } },
      ],
    },
  });
  const updates = parse(hook('status', json));
  assert.deepEqual(updates.map((u) => (u.kind === 'status' ? [u.messageId, u.providerMessageId, u.status, u.statusCode, u.error] : u.kind)), [
    [ID, REF, 'sent', 0, null],
    [null, 'theirs', 'failed', 3, '9'],
  ]);
});

test('unknown and empty reports are ignored, unreadable ones throw', () => {
  const unknown = JSON.stringify({ messages: { msg: { to: '0031612345678', reference: REF, status: { code: '7' } } } });
  assert.deepEqual(parse(hook('status', unknown)), [{ kind: 'ignored', reason: 'unknown CM status code 7' }]);
  assert.deepEqual(parse(hook('status', '<MESSAGES></MESSAGES>', 'text/xml')), [{ kind: 'ignored', reason: 'status report without messages' }]);
  const bad: [string, string | null, RegExp][] = [
    ['not json', 'application/json', /not valid JSON/],
    ['{"messages":1}', 'application/json', /no "messages" object/],
    ['{"messages":{"msg":{"to":"1"}}}', 'application/json', /no "status" object/],
    ['{"messages":{"msg":{"status":{}}}}', 'application/json', /no status.code/],
    ['<OTHER/>', 'text/xml', /no <MESSAGES>/],
    ['<MESSAGES><MSG><TO>1</TO></MSG></MESSAGES>', 'text/xml', /no <STATUS>/],
    ['<MESSAGES><MSG><STATUS><ERRORCODE>1</ERRORCODE></STATUS></MSG></MESSAGES>', 'text/xml', /no STATUS\/CODE/],
  ];
  for (const [body, type, message] of bad) assert.throws(() => parse(hook('status', body, type)), message, body);
});

test('XML entities are not expanded', () => {
  const bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
    '<MESSAGES><MSG><REFERENCE>&b;</REFERENCE><STATUS><CODE>2</CODE></STATUS></MSG></MESSAGES>';
  const [u] = parse(hook('status', bomb, 'text/xml'));
  assert.ok(u?.kind === 'status');
  assert.equal(u.providerMessageId, '&b;');
});

test('an incoming SMS (Business Messaging format) and the older MO format', () => {
  assert.deepEqual(parse(hook('inbound', raw('incoming-message.json'))), [
    {
      kind: 'inbound',
      channel: 'sms',
      from: '+31612345678',
      to: '+31201234567',
      text: 'Yes, see you then',
      media: [],
      providerMessageId: null,
      occurredAt: new Date('2026-12-04T19:16:00Z'),
    },
  ]);
  assert.deepEqual(parse(hook('inbound', raw('incoming-message-legacy.json'))), [
    { kind: 'inbound', channel: 'sms', from: '+31612345678', to: '3669', text: 'INFO', media: [], providerMessageId: null, occurredAt: null },
  ]);
  const whatsapp = JSON.stringify({ from: { number: '+31612345678' }, to: { number: '0031201234567' }, message: { text: 'hi' }, channel: 'WhatsApp' });
  assert.deepEqual(parse(hook('inbound', whatsapp)), [{ kind: 'ignored', reason: 'incoming WhatsApp message on an SMS integration' }]);
  assert.throws(() => parse(hook('inbound', '{"to":{"number":"1"}}')), /no "from" number/);
  assert.throws(() => parse(hook('inbound', '{"from":{"number":"0031612345678"}}')), /no "to" number/);
});

test('CM numbers and times', () => {
  const numbers: [string, string][] = [
    ['0031612345678', '+31612345678'],
    ['+31612345678', '+31612345678'],
    ['31612345678', '+31612345678'],
    ['3669', '3669'],
    ['CM Telecom', 'CM Telecom'],
  ];
  for (const [cm, e164] of numbers) assert.equal(cmToE164(cm), e164, cm);
  const times: [string | null, string | null][] = [
    ['2026-12-04T20:15:03', '2026-12-04T20:15:03.000Z'],
    ['2026-12-04 20:15:03', '2026-12-04T20:15:03.000Z'],
    ['2026-12-04T20:15:03+01:00', '2026-12-04T19:15:03.000Z'],
    ['2026-12-04T20:15:03Z', '2026-12-04T20:15:03.000Z'],
    ['[CREATED_S]', null],
    ['', null],
    [null, null],
  ];
  for (const [v, iso] of times) assert.equal(cmTime(v)?.toISOString() ?? null, iso, String(v));
});
