import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateWebhookSignature } from '@sinch/sdk-core';
import type { CanonicalUpdate, InboundWebhook } from '../types.js';
import { signSinchCallback } from '../sinch-signature.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

const status = (u: Partial<Extract<CanonicalUpdate, { kind: 'status' }>>): CanonicalUpdate => ({
  kind: 'status',
  messageId: null,
  providerMessageId: null,
  recipient: null,
  statusCode: null,
  error: null,
  comment: null,
  occurredAt: null,
  status: 'sent',
  providerStatus: '',
  ...u,
});

const parseCases: { fixture: string; expected: CanonicalUpdate[] }[] = [
  {
    fixture: 'recipient-dr-dispatched.json',
    expected: [
      status({
        messageId: '01J9Z8PMV1QPQ0000000000001',
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ',
        recipient: '+44231235674',
        status: 'sent',
        providerStatus: 'Dispatched',
        statusCode: 401,
        occurredAt: new Date('2022-08-30T08:16:08.150Z'), // operator_status_at wins over at
      }),
    ],
  },
  {
    fixture: 'recipient-dr-delivered.json',
    expected: [
      status({
        messageId: '01J9Z8PMV1QPQ0000000000001',
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ',
        recipient: '+44231235674', // "+" restored
        status: 'delivered',
        providerStatus: 'Delivered',
        statusCode: 0,
        occurredAt: new Date('2022-08-30T08:16:11.000Z'),
      }),
    ],
  },
  {
    fixture: 'recipient-dr-failed.json',
    expected: [
      status({
        messageId: '01J9Z8PMV1QPQ0000000000002',
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPR',
        recipient: '+46701234567',
        status: 'failed',
        providerStatus: 'Failed',
        statusCode: 1,
        error: '1',
        comment: null, // SMPP code: no name in our table
        occurredAt: new Date('2022-08-30T08:20:01.005Z'), // no operator_status_at: `at`
      }),
    ],
  },
  {
    fixture: 'recipient-dr-aborted-402.json',
    expected: [
      status({
        messageId: '01J9Z8PMV1QPQ0000000000003',
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPS',
        recipient: '+12025550123',
        status: 'rejected',
        providerStatus: 'Aborted',
        statusCode: 402,
        error: '402',
        comment: 'Message unroutable',
        occurredAt: new Date('2022-08-30T08:16:08.930Z'),
      }),
    ],
  },
  {
    fixture: 'recipient-dr-mms-rejected.json',
    expected: [
      status({
        messageId: null, // no client_reference on the batch
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPT',
        recipient: '+12025550199',
        status: 'rejected',
        providerStatus: 'Rejected',
        statusCode: 415,
        error: '415',
        comment: 'DR Rejected',
        occurredAt: new Date('2022-08-30T09:00:00.000Z'),
      }),
    ],
  },
  { fixture: 'recipient-dr-queued.json', expected: [{ kind: 'ignored', reason: 'intermediate status Queued' }] },
  {
    fixture: 'batch-dr-full.json',
    expected: [
      ...['+44231235674', '+44231235675'].map((recipient) =>
        status({
          messageId: 'a client reference',
          providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ',
          recipient,
          status: 'delivered',
          providerStatus: 'Delivered',
          statusCode: 0,
        }),
      ),
      status({
        messageId: 'a client reference',
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ',
        recipient: '+44231235676',
        status: 'rejected',
        providerStatus: 'Aborted',
        statusCode: 402,
        error: '402',
        comment: 'Message unroutable',
      }),
      // the Queued recipient makes no update
    ],
  },
  { fixture: 'batch-dr-summary.json', expected: [{ kind: 'ignored', reason: 'summary report without recipients' }] },
  {
    fixture: 'mo-text.json',
    expected: [
      {
        kind: 'inbound',
        channel: 'sms',
        from: '+11203494390',
        to: '+11203453453',
        text: 'a body',
        media: [],
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPA',
        occurredAt: new Date('2019-08-24T14:15:22Z'), // sent_at wins over received_at
      },
    ],
  },
  {
    fixture: 'mo-text-shortcode.json',
    expected: [
      {
        kind: 'inbound',
        channel: 'sms',
        from: '+46701234567',
        to: '72345', // short code kept as given
        text: 'STOP',
        media: [],
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPB',
        occurredAt: new Date('2019-08-24T14:17:22Z'),
      },
    ],
  },
  {
    fixture: 'mo-media.json',
    expected: [
      {
        kind: 'inbound',
        channel: 'mms',
        from: '+11203494390',
        to: '+11203453453',
        text: 'my message',
        media: [{ url: 'https://media.example.com/a.jpg', contentType: 'image/jpeg' }], // failed upload has no url
        providerMessageId: '01FC66621XXXXX119Z8PMV1QPC',
        occurredAt: new Date('2019-08-24T14:17:22Z'),
      },
    ],
  },
  { fixture: 'mo-binary.json', expected: [{ kind: 'ignored', reason: 'binary MO not supported' }] },
];

for (const c of parseCases) {
  test(`parseWebhook: ${c.fixture}`, () => {
    // Both routes parse every type: Sinch decides where it posts.
    for (const endpoint of webhookEndpoints) {
      assert.deepEqual(parseWebhook(endpoint.name, fixture(c.fixture), 'application/json'), c.expected);
    }
  });
}

test('parseWebhook: unknown type and unknown status are ignored', () => {
  const unknownType = Buffer.from('{"type":"mt_something_new","id":"x"}');
  assert.deepEqual(parseWebhook('delivery', unknownType, null), [
    { kind: 'ignored', reason: 'unknown callback type mt_something_new' },
  ]);
  const unknownStatus = Buffer.from(
    '{"type":"recipient_delivery_report_sms","batch_id":"b","recipient":"+1","code":0,"status":"Teleported","at":"2022-01-01T00:00:00Z"}',
  );
  assert.deepEqual(parseWebhook('delivery', unknownStatus, null), [
    { kind: 'ignored', reason: 'unknown Sinch status Teleported' },
  ]);
});

test('parseWebhook: unreadable bodies throw', () => {
  const bad: [string, RegExp][] = [
    ['not json', /not valid JSON/],
    ['', /not valid JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"batch_id":"b"}', /no "type"/],
    ['{"type":""}', /no "type"/],
    ['{"type":"recipient_delivery_report_sms","batch_id":"b"}', /"status"/],
    ['{"type":"delivery_report_sms","batch_id":"b"}', /"statuses"/],
    ['{"type":"mo_text","id":"i","to":"123","body":"hi"}', /"from"/],
  ];
  for (const [body, message] of bad) {
    assert.throws(() => parseWebhook('inbound', Buffer.from(body), 'application/json'), message, body);
  }
});

// ---- signature ----

const SECRET = 'sms-callback-secret';
const body = fixture('recipient-dr-delivered.json');
const NOW = 1_700_000_000_000;
const hook = (headers: InboundWebhook['headers'], rawBody = body): InboundWebhook => ({
  endpoint: 'delivery',
  headers,
  rawBody,
  publicUrl: 'https://hub.example.com/webhooks/int_1/tok/delivery',
});

test('verifyWebhook: table', () => {
  const signed = signSinchCallback(SECRET, body, NOW);
  const { 'x-sinch-webhook-signature': _sig, ...withoutSignature } = signed;
  const cases: { name: string; secret?: string; hook: InboundWebhook; nowMs: number; ok: boolean; reason?: RegExp }[] = [
    { name: 'valid', secret: SECRET, hook: hook(signed), nowMs: NOW + 2_000, ok: true },
    { name: 'tampered body', secret: SECRET, hook: hook(signed, Buffer.from(body.toString().replace('Delivered', 'Failed'))), nowMs: NOW, ok: false, reason: /mismatch/ },
    { name: 'wrong secret', secret: 'another-secret', hook: hook(signed), nowMs: NOW, ok: false, reason: /mismatch/ },
    { name: 'stale timestamp', secret: SECRET, hook: hook(signed), nowMs: NOW + 6 * 60_000, ok: false, reason: /window/ },
    { name: 'missing headers', secret: SECRET, hook: hook({}), nowMs: NOW, ok: false, reason: /missing/ },
    { name: 'missing signature', secret: SECRET, hook: hook(withoutSignature), nowMs: NOW, ok: false, reason: /missing/ },
    { name: 'no signing secret configured', hook: hook({}), nowMs: NOW, ok: true },
  ];
  for (const c of cases) {
    const secrets = { api_token: 't', ...(c.secret ? { webhook_signing_secret: c.secret } : {}) };
    const result = verifyWebhook(secrets, c.hook, c.nowMs);
    assert.equal(result.ok, c.ok, c.name);
    if (!result.ok) assert.match(result.reason, c.reason!, c.name);
  }
});

test('verifyWebhook: replay key is the nonce, kept 10 minutes past the timestamp', () => {
  const signed = signSinchCallback(SECRET, body, NOW);
  const result = verifyWebhook({ api_token: 't', webhook_signing_secret: SECRET }, hook(signed), NOW);
  const timestampMs = Number(signed['x-sinch-webhook-signature-timestamp']) * 1000;
  assert.deepEqual(result, {
    ok: true,
    replayKey: { nonce: signed['x-sinch-webhook-signature-nonce'], expiresAtMs: timestampMs + 10 * 60_000 },
  });
  assert.deepEqual(verifyWebhook({ api_token: 't' }, hook(signed), NOW), { ok: true });
});

test('Sinch SDK test vector verifies, and agrees with @sinch/sdk-core', () => {
  const vectorSecret = 'foo_secret1234';
  const vectorBody =
    '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}';
  const headers = {
    'x-sinch-webhook-signature': '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
    'x-sinch-webhook-signature-timestamp': '1634579353',
    'x-sinch-webhook-signature-nonce': '01FJA8B4A7BM43YGWSG9GBV067',
    'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  };
  const secrets = { api_token: 't', webhook_signing_secret: vectorSecret };
  const result = verifyWebhook(secrets, hook(headers, Buffer.from(vectorBody)), 1634579353_000 + 30_000);
  assert.deepEqual(result, {
    ok: true,
    replayKey: { nonce: '01FJA8B4A7BM43YGWSG9GBV067', expiresAtMs: 1634579353_000 + 10 * 60_000 },
  });
  assert.equal(validateWebhookSignature(vectorSecret, headers, vectorBody), true);

  // Our signer and the SDK's validator agree, both ways round.
  const ours = signSinchCallback(SECRET, body, NOW);
  assert.equal(validateWebhookSignature(SECRET, ours, body.toString('utf8')), true);
  assert.equal(validateWebhookSignature('another-secret', ours, body.toString('utf8')), false);
  assert.equal(validateWebhookSignature(SECRET, ours, body.toString('utf8') + ' '), false);
});
