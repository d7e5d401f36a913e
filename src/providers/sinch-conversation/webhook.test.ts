import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateWebhookSignature } from '@sinch/sdk-core';
import type { CanonicalUpdate, InboundWebhook, StatusUpdate } from '../types.js';
import { REPLAY_WINDOW_MS, signSinchCallback } from '../sinch-signature.js';
import { ourMessageId, parseWebhook, TRIGGER_KEYS, verifyWebhook } from './webhook.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const parse = (body: Buffer | string | object): CanonicalUpdate[] =>
  parseWebhook('callbacks', Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), 'application/json');

const status = (u: Partial<StatusUpdate>): StatusUpdate => ({
  kind: 'status',
  messageId: null,
  providerMessageId: null,
  recipient: null,
  status: 'sent',
  providerStatus: '',
  statusCode: null,
  error: null,
  comment: null,
  occurredAt: null,
  ...u,
});

const parseCases: { fixture: string; expected: CanonicalUpdate[] }[] = [
  {
    fixture: 'delivery-queued-on-channel.json',
    expected: [
      status({
        messageId: 'msg_01J0S3N9K4W2V6D8F0H2J4K6M8',
        providerMessageId: '01J0S3NA1B2C3D4E5F6G7H8J9K',
        recipient: '+46701234567', // "+" restored
        status: 'sent',
        providerStatus: 'QUEUED_ON_CHANNEL',
        occurredAt: new Date('2024-06-18T12:34:57.020Z'), // event_time
      }),
    ],
  },
  {
    fixture: 'delivery-delivered.json',
    expected: [
      status({
        messageId: 'msg_01J0S3N9K4W2V6D8F0H2J4K6M8',
        providerMessageId: '01J0S3NA1B2C3D4E5F6G7H8J9K',
        recipient: '+46701234567',
        status: 'delivered',
        providerStatus: 'DELIVERED',
        occurredAt: new Date('2024-06-18T12:34:59Z'),
      }),
    ],
  },
  {
    fixture: 'delivery-read.json',
    expected: [
      status({
        messageId: 'msg_01EKJWGG00000000000000RCS1', // only the report's metadata carries it
        providerMessageId: '01EKJWGGMA53D91CS7GTDW0BAE',
        recipient: '+14700000000',
        status: 'read',
        providerStatus: 'READ',
        occurredAt: new Date('2020-10-01T20:09:07Z'),
      }),
    ],
  },
  {
    fixture: 'delivery-failed-recipient-not-reachable.json',
    expected: [
      status({
        messageId: 'msg_01J0S3Z0000000000000000002',
        providerMessageId: '01J0S3Z1B2C3D4E5F6G7H8J9K2',
        recipient: '+12025550102',
        status: 'failed',
        providerStatus: 'FAILED',
        error: 'RECIPIENT_NOT_REACHABLE',
        comment: 'The recipient could not be reached on the channel',
        occurredAt: new Date('2024-06-18T12:40:03Z'),
        unreachable: true,
      }),
    ],
  },
  {
    fixture: 'delivery-failed-template-not-found.json',
    expected: [
      status({
        messageId: 'msg_01J0S410000000000000000003',
        providerMessageId: '01J0S411B2C3D4E5F6G7H8J9K3',
        recipient: '+46701234567',
        status: 'rejected',
        providerStatus: 'FAILED',
        error: 'TEMPLATE_NOT_FOUND',
        comment: 'Template order_shipped with language en_US was not found',
        occurredAt: new Date('2024-06-18T12:41:09Z'),
      }),
    ],
  },
  {
    fixture: 'delivery-switching-channel.json',
    expected: [{ kind: 'ignored', reason: 'switching channel (RECIPIENT_NOT_REACHABLE: The recipient is not RCS capable)' }],
  },
  {
    fixture: 'inbound-text.json',
    expected: [
      {
        kind: 'inbound',
        channel: 'whatsapp',
        from: '+46701234567',
        to: '01HZ8N7R2ZK3E0C4B5W6X7Y8Z9', // no sender_id: the app received it
        text: 'Yes, deliver it tomorrow please',
        media: [],
        providerMessageId: '01J0S5A0C0NTACT0000000TEXT',
        occurredAt: new Date('2024-06-18T13:00:01.180Z'), // accept_time
      },
    ],
  },
  {
    fixture: 'inbound-media.json',
    expected: [
      {
        kind: 'inbound',
        channel: 'rcs',
        from: '+46701234567',
        to: '01HZ8N7R2ZK3E0C4B5W6X7Y8Z9',
        text: '',
        media: [{ url: 'https://media.example.com/whatsapp/01J0S5C0/photo.jpg', contentType: null }],
        providerMessageId: '01J0S5C0C0NTACT000000MEDIA',
        occurredAt: new Date('2024-06-18T13:02:11.850Z'),
      },
    ],
  },
  {
    fixture: 'inbound-choice-response.json',
    expected: [
      {
        kind: 'inbound',
        channel: 'whatsapp',
        from: '+46701234567', // given with "+"
        to: '01HZ8N7R2ZK3E0C4B5W6X7Y8Z9',
        text: 'reschedule',
        media: [],
        providerMessageId: '01J0S5F0C0NTACT00000CH01CE',
        occurredAt: new Date('2024-06-18T13:05:00.250Z'),
      },
    ],
  },
  {
    fixture: 'opt-out.json',
    expected: [{ kind: 'consent', channel: 'whatsapp', phone: '+46701234567', optedOut: true, occurredAt: new Date('2024-06-18T14:00:00Z') }],
  },
  { fixture: 'opt-out-failed.json', expected: [{ kind: 'ignored', reason: 'opt-out registration failed: Error description value' }] },
  { fixture: 'contact-create-notification.json', expected: [{ kind: 'ignored', reason: 'CONTACT_CREATE callback' }] },
];

for (const c of parseCases) {
  test(`parse: ${c.fixture}`, () => {
    assert.deepEqual(parse(fixture(c.fixture)), c.expected);
  });
}

test('parse: every delivery status and reason family', () => {
  const report = (s: string, reason?: string) => ({
    app_id: 'app',
    project_id: 'p',
    correlation_id: 'msg_1',
    event_time: '2024-01-01T00:00:00Z',
    message_delivery_report: {
      message_id: 'm1',
      status: s,
      channel_identity: { channel: 'RCS', identity: '46700000001' },
      ...(reason ? { reason: { code: reason, description: `${reason} text` } } : {}),
    },
  });
  // The last column: whether the reason marks the recipient unreachable on the channel (fallback).
  const cases: [string, string | undefined, string, string | null, boolean][] = [
    ['QUEUED_ON_CHANNEL', undefined, 'sent', null, false],
    ['DELIVERED', undefined, 'delivered', null, false],
    ['READ', undefined, 'read', null, false],
    ['FAILED', 'RECIPIENT_NOT_REACHABLE', 'failed', 'RECIPIENT_NOT_REACHABLE', true],
    ['FAILED', 'CHANNEL_FAILURE', 'failed', 'CHANNEL_FAILURE', false],
    ['FAILED', 'BAD_REQUEST', 'rejected', 'BAD_REQUEST', false],
    ['FAILED', 'RECIPIENT_INVALID_CHANNEL_IDENTITY', 'rejected', 'RECIPIENT_INVALID_CHANNEL_IDENTITY', true],
    ['FAILED', 'NO_CHANNEL_IDENTITY_FOR_CONTACT', 'rejected', 'NO_CHANNEL_IDENTITY_FOR_CONTACT', true],
    ['FAILED', 'NO_PROFILE_AVAILABLE', 'failed', 'NO_PROFILE_AVAILABLE', true],
    ['FAILED', 'RECIPIENT_NOT_OPTED_IN', 'rejected', 'RECIPIENT_NOT_OPTED_IN', true],
    ['FAILED', 'TEMPLATE_INSUFFICIENT_PARAMETERS', 'rejected', 'TEMPLATE_INSUFFICIENT_PARAMETERS', false],
    ['FAILED', 'NO_PERMISSION', 'rejected', 'NO_PERMISSION', false],
    ['FAILED', 'DELIVERY_REJECTED_DUE_TO_POLICY', 'rejected', 'DELIVERY_REJECTED_DUE_TO_POLICY', false],
    ['FAILED', 'OUTSIDE_ALLOWED_SENDING_WINDOW', 'rejected', 'OUTSIDE_ALLOWED_SENDING_WINDOW', true],
    ['FAILED', 'NO_CHANNELS_LEFT', 'failed', 'NO_CHANNELS_LEFT', false],
    ['FAILED', 'BRAND_NEW_CODE', 'failed', 'BRAND_NEW_CODE', false],
    ['FAILED', undefined, 'failed', null, false],
  ];
  for (const [s, reason, expected, error, unreachable] of cases) {
    const [u] = parse(report(s, reason));
    assert.equal(u?.kind, 'status', s);
    assert.ok(u?.kind === 'status');
    assert.equal(u.status, expected, `${s}/${reason}`);
    assert.equal(u.providerStatus, s);
    assert.equal(u.error, error);
    assert.equal(u.comment, reason ? `${reason} text` : null);
    assert.equal(u.messageId, 'msg_1');
    assert.equal(u.recipient, '+46700000001');
    assert.equal(u.statusCode, null);
    assert.equal(u.unreachable === true, unreachable, `${s}/${reason} unreachable`);
  }
  assert.deepEqual(parse(report('QUEUED')), [{ kind: 'ignored', reason: 'unknown delivery status QUEUED' }]);
  assert.deepEqual(parse(report('SWITCHING_CHANNEL')), [{ kind: 'ignored', reason: 'switching channel' }]);
});

test('parse: every other trigger is ignored by name', () => {
  for (const [key, trigger] of Object.entries(TRIGGER_KEYS)) {
    if (['message', 'message_delivery_report', 'opt_in_notification', 'opt_out_notification'].includes(key)) continue;
    assert.deepEqual(parse({ app_id: 'a', project_id: 'p', [key]: {} }), [{ kind: 'ignored', reason: `${trigger} callback` }], key);
  }
  assert.deepEqual(parse({ app_id: 'a', project_id: 'p', reaction_notification: {} }), [{ kind: 'ignored', reason: 'callback without a known trigger key' }]);
});

test('parse: inbound and consent edge cases', () => {
  const inbound = (m: Record<string, unknown>) => ({ app_id: 'app-9', message: { id: 'i1', channel_identity: { channel: 'WHATSAPP', identity: '46701234567' }, ...m } });
  assert.deepEqual(parse(inbound({ channel_identity: { channel: 'MESSENGER', identity: 'psid-1' } })), [
    { kind: 'ignored', reason: 'inbound message on unsupported channel MESSENGER' },
  ]);
  assert.deepEqual(parse(inbound({ direction: 'TO_CONTACT' })), [{ kind: 'ignored', reason: 'inbound message with direction TO_CONTACT' }]);
  const sms = parse(inbound({ channel_identity: { channel: 'SMS', identity: '46701234567' }, sender_id: '4600000001', contact_message: { text_message: { text: 'STOP' } } }));
  assert.deepEqual(sms, [{ kind: 'inbound', channel: 'sms', from: '+46701234567', to: '+4600000001', text: 'STOP', media: [], providerMessageId: 'i1', occurredAt: null }]);
  const card = parse(inbound({ contact_message: { media_card_message: { url: 'https://m.example.com/v.mp4', caption: 'look' } } }));
  assert.ok(card[0]?.kind === 'inbound');
  assert.equal(card[0].text, 'look');
  assert.deepEqual(card[0].media, [{ url: 'https://m.example.com/v.mp4', contentType: null }]);
  const location = parse(inbound({ contact_message: { location_message: { title: 'Here', coordinates: { latitude: 1, longitude: 2 } } } }));
  assert.ok(location[0]?.kind === 'inbound' && location[0].text === '' && location[0].media.length === 0);
  assert.throws(() => parse({ message: { id: 'x' } }), /channel_identity/);

  assert.deepEqual(parse({ app_id: 'a', opt_in_notification: { channel: 'RCS', identity: '46701234567', status: 'OPT_IN_SUCCEEDED' } }), [
    { kind: 'consent', channel: 'rcs', phone: '+46701234567', optedOut: false, occurredAt: null },
  ]);
  assert.deepEqual(parse({ app_id: 'a', opt_out_notification: { channel: 'WHATSAPP', contact_id: 'c1', status: 'OPT_OUT_SUCCEEDED' } }), [
    { kind: 'ignored', reason: 'opt-out without a channel identity' },
  ]);
  assert.deepEqual(parse({ app_id: 'a', opt_out_notification: { channel: 'VIBERBM', identity: '46701234567' } }), [
    { kind: 'ignored', reason: 'opt-out on unsupported channel VIBERBM' },
  ]);
});

test('parse: unreadable bodies throw', () => {
  assert.throws(() => parse('not json'), /not valid JSON/);
  assert.throws(() => parse('[1,2]'), /not a JSON object/);
  assert.throws(() => parse({ message_delivery_report: 'x' }), /not an object/);
  assert.throws(() => parse({ message_delivery_report: { message_id: 'm' } }), /no "status"/);
});

test('message id: a msg_ id wins, else the first candidate', () => {
  assert.equal(ourMessageId(['{"order":1}', 'msg_2', 'msg_3']), 'msg_2');
  assert.equal(ourMessageId([null, '', 'msg_3']), 'msg_3');
  assert.equal(ourMessageId(['meta', null, 'other']), 'meta');
  assert.equal(ourMessageId([null, '', null]), null);
});

// B.7 test vector (sinch-node authorization.helper.test.ts).
const VECTOR = {
  secret: 'foo_secret1234',
  nonce: '01FJA8B4A7BM43YGWSG9GBV067',
  timestamp: '1634579353',
  signature: '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
};

const hook = (headers: Record<string, string>, rawBody: Buffer): InboundWebhook => ({
  endpoint: 'callbacks',
  headers,
  rawBody,
  publicUrl: 'https://hub.example.com/webhooks/int_1/tok/callbacks',
});
const vectorHeaders = (over: Record<string, string> = {}): Record<string, string> => ({
  'x-sinch-webhook-signature': VECTOR.signature,
  'x-sinch-webhook-signature-nonce': VECTOR.nonce,
  'x-sinch-webhook-signature-timestamp': VECTOR.timestamp,
  'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  ...over,
});
const secrets = (webhook_signing_secret?: string) => ({ access_key: 'k', access_secret: 's', ...(webhook_signing_secret !== undefined ? { webhook_signing_secret } : {}) });

test('signature: the B.7 test vector verifies, with a replay key', () => {
  const body = fixture('contact-create-notification.json');
  const nowMs = Number(VECTOR.timestamp) * 1000 + 30_000;
  assert.deepEqual(verifyWebhook(secrets(VECTOR.secret), hook(vectorHeaders(), body), nowMs), {
    ok: true,
    replayKey: { nonce: VECTOR.nonce, expiresAtMs: Number(VECTOR.timestamp) * 1000 + REPLAY_WINDOW_MS },
  });
  // The official SDK agrees on the same bytes.
  assert.equal(validateWebhookSignature(VECTOR.secret, vectorHeaders(), body.toString('utf8')), true);
});

test('signature: tampered, stale, foreign and unsigned callbacks fail', () => {
  const body = fixture('contact-create-notification.json');
  const t = Number(VECTOR.timestamp) * 1000;
  const cases: { name: string; headers: Record<string, string>; body?: Buffer; nowMs?: number; secret?: string; reason: string }[] = [
    { name: 'tampered body', headers: vectorHeaders(), body: Buffer.from(body.toString().replace('New Test', 'Old Test')), reason: 'signature mismatch' },
    { name: 'reformatted JSON', headers: vectorHeaders(), body: Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1)), reason: 'signature mismatch' },
    { name: 'other nonce', headers: vectorHeaders({ 'x-sinch-webhook-signature-nonce': '01FJA8B4A7BM43YGWSG9GBV068' }), reason: 'signature mismatch' },
    { name: 'wrong secret', headers: vectorHeaders(), secret: 'foo_secret1235', reason: 'signature mismatch' },
    { name: 'stale (6 min late)', headers: vectorHeaders(), nowMs: t + 6 * 60_000, reason: 'signature timestamp outside the allowed window' },
    { name: 'from the future', headers: vectorHeaders(), nowMs: t - 6 * 60_000, reason: 'signature timestamp outside the allowed window' },
    { name: 'no headers', headers: {}, reason: 'missing signature headers' },
  ];
  for (const c of cases) {
    const result = verifyWebhook(secrets(c.secret ?? VECTOR.secret), hook(c.headers, c.body ?? body), c.nowMs ?? t);
    assert.deepEqual(result, { ok: false, reason: c.reason }, c.name);
  }
  // Without a secret the URL token (checked by the core) is the only authentication.
  assert.deepEqual(verifyWebhook(secrets(), hook({}, body), t), { ok: true });
  assert.deepEqual(verifyWebhook(secrets(''), hook({}, body), t), { ok: true });
});

test('signature: our signer and the SDK validator agree', () => {
  const body = fixture('delivery-read.json');
  const headers = signSinchCallback('whsec', body);
  assert.equal(validateWebhookSignature('whsec', headers, body.toString('utf8')), true);
  const result = verifyWebhook(secrets('whsec'), hook(headers, body), Date.now());
  assert.equal(result.ok, true);
});
