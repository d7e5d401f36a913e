import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import twilio from 'twilio';
import type { CanonicalUpdate, InboundWebhook, StatusUpdate } from '../types.js';
import { twilioAdapter } from './index.js';
import { formParams } from './signature.js';
import { EMPTY_TWIML, parseRawDlrDoneDate, parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const FORM = 'application/x-www-form-urlencoded';
const AC = 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const SM = 'SM5a9e0c4b1f2d4e6a8b0c2d4e6f8a0b1c';
const SECRETS = { auth_token: 'auth-token-0123', api_key_sid: `SK${'0'.repeat(32)}`, api_key_secret: 'key-secret' };

const status = (u: Partial<StatusUpdate>): StatusUpdate => ({
  kind: 'status',
  messageId: 'msg_01',
  providerMessageId: SM,
  recipient: '+14155550100',
  status: 'sent',
  providerStatus: 'sent',
  statusCode: null,
  error: null,
  comment: null,
  occurredAt: null,
  ...u,
});

const parseCases: { fixture: string; endpoint: string; query?: string; expected: CanonicalUpdate[] }[] = [
  { fixture: 'status-sent.txt', endpoint: 'status', query: 'message_id=msg_01', expected: [status({})] },
  {
    fixture: 'status-delivered.txt',
    endpoint: 'status',
    query: 'message_id=msg_01',
    expected: [status({ status: 'delivered', providerStatus: 'delivered', occurredAt: new Date('2023-08-24T05:01:00Z') })],
  },
  {
    fixture: 'status-undelivered-30003.txt',
    endpoint: 'status',
    query: 'message_id=msg_01',
    expected: [
      status({
        status: 'failed',
        providerStatus: 'undelivered',
        statusCode: 30003,
        error: '30003',
        comment: 'Unreachable destination handset',
        occurredAt: new Date('2023-08-24T05:02:00Z'),
      }),
    ],
  },
  {
    fixture: 'status-failed-30007.txt',
    endpoint: 'status',
    query: 'message_id=msg_01&x=1',
    expected: [status({ status: 'rejected', providerStatus: 'failed', statusCode: 30007, error: '30007', comment: 'Message filtered' })],
  },
  {
    fixture: 'status-read-whatsapp.txt',
    endpoint: 'status',
    query: '',
    // No message_id in the URL: the core finds the message by its SID. The channel prefix goes.
    expected: [status({ messageId: null, status: 'read', providerStatus: 'read' })],
  },
  { fixture: 'status-queued.txt', endpoint: 'status', query: 'message_id=msg_01', expected: [{ kind: 'ignored', reason: 'intermediate status queued' }] },
  {
    fixture: 'inbound-sms.txt',
    endpoint: 'inbound',
    expected: [
      {
        kind: 'inbound',
        channel: 'sms',
        from: '+17192103020',
        to: '+18105103020',
        text: 'New test',
        media: [],
        providerMessageId: 'SM0f1e2d3c4b5a69788796a5b4c3d2e1f0',
        occurredAt: null,
      },
    ],
  },
  {
    fixture: 'inbound-mms.txt',
    endpoint: 'inbound',
    expected: [
      {
        kind: 'inbound',
        channel: 'mms',
        from: '+14155550100',
        to: '+14155552345',
        text: 'Two photos 📷',
        media: [
          {
            url: `https://api.twilio.com/2010-04-01/Accounts/${AC}/Messages/MM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f/Media/ME0123456789abcdef0123456789abcdef`,
            contentType: 'image/jpeg',
          },
          {
            url: `https://api.twilio.com/2010-04-01/Accounts/${AC}/Messages/MM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f/Media/MEfedcba9876543210fedcba9876543210`,
            contentType: 'image/png',
          },
        ],
        providerMessageId: 'MM7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f',
        occurredAt: null,
      },
    ],
  },
];

for (const c of parseCases) {
  test(`parse: ${c.fixture}`, () => {
    const updates = twilioAdapter.parseWebhook({ endpoint: c.endpoint, rawBody: fixture(c.fixture), contentType: FORM, query: c.query ?? '' });
    assert.deepEqual(updates, c.expected);
  });
}

test('parse: variations of status callbacks', () => {
  const base = Object.fromEntries(new URLSearchParams(fixture('status-sent.txt').toString()));
  const parse = (params: Record<string, string>, query = 'message_id=m9') =>
    parseWebhook({ endpoint: 'status', rawBody: Buffer.from(new URLSearchParams(params).toString()), contentType: FORM, query });
  const cases: { name: string; params: Record<string, string>; expected: Partial<StatusUpdate> | { kind: 'ignored'; reason: string } }[] = [
    { name: 'canceled', params: { ...base, MessageStatus: 'canceled', SmsStatus: 'canceled' }, expected: { status: 'failed', providerStatus: 'canceled' } },
    { name: 'unknown word', params: { ...base, MessageStatus: 'exploded' }, expected: { kind: 'ignored', reason: 'unknown Twilio status exploded' } },
    { name: 'partially_delivered', params: { ...base, MessageStatus: 'partially_delivered' }, expected: { kind: 'ignored', reason: 'intermediate status partially_delivered' } },
    { name: 'only the deprecated names', params: { SmsSid: SM, SmsStatus: 'delivered', To: '+14155550100' }, expected: { status: 'delivered', providerStatus: 'delivered' } },
    { name: 'ErrorCode 0 is no error', params: { ...base, MessageStatus: 'delivered', ErrorCode: '0' }, expected: { status: 'delivered', providerStatus: 'delivered' } },
    { name: 'code without a title', params: { ...base, MessageStatus: 'undelivered', ErrorCode: '30034' }, expected: { status: 'failed', providerStatus: 'undelivered', statusCode: 30034, error: '30034', comment: null } },
    { name: 'a landline: unreachable on SMS', params: { ...base, MessageStatus: 'undelivered', ErrorCode: '30006' }, expected: { status: 'failed', providerStatus: 'undelivered', statusCode: 30006, error: '30006', comment: 'Landline or unreachable carrier', unreachable: true } },
    { name: 'a landline refused at send (failed)', params: { ...base, MessageStatus: 'failed', ErrorCode: '21635' }, expected: { status: 'rejected', providerStatus: 'failed', statusCode: 21635, error: '21635', comment: "'To' number cannot be a landline", unreachable: true } },
    { name: 'an unreachable handset is not a channel problem', params: { ...base, MessageStatus: 'undelivered', ErrorCode: '30003' }, expected: { status: 'failed', providerStatus: 'undelivered', statusCode: 30003, error: '30003', comment: 'Unreachable destination handset' } },
    { name: 'bad RawDlrDoneDate', params: { ...base, MessageStatus: 'delivered', RawDlrDoneDate: '2313999999' }, expected: { status: 'delivered', providerStatus: 'delivered' } },
    { name: 'no To', params: { MessageSid: SM, MessageStatus: 'sent' }, expected: { recipient: null } },
  ];
  for (const c of cases) {
    const [update] = parse(c.params);
    const expected = 'kind' in c.expected ? c.expected : status({ messageId: 'm9', ...c.expected });
    assert.deepEqual(update, expected, c.name);
  }
});

test('parse: JSON bodies are read like forms', () => {
  const body = Buffer.from(JSON.stringify({ MessageSid: SM, MessageStatus: 'undelivered', ErrorCode: 30005, To: '+14155550100' }));
  assert.deepEqual(parseWebhook({ endpoint: 'status', rawBody: body, contentType: 'application/json; charset=utf-8', query: 'message_id=msg_01' }), [
    status({ status: 'failed', providerStatus: 'undelivered', statusCode: 30005, error: '30005', comment: 'Unknown destination handset' }),
  ]);
});

test('parse: unreadable bodies throw', () => {
  const cases: { endpoint: string; body: string; contentType?: string; message: RegExp }[] = [
    { endpoint: 'status', body: 'MessageStatus=sent&To=%2B1', message: /"MessageSid" is missing/ },
    { endpoint: 'status', body: `MessageSid=${SM}`, message: /"MessageStatus" is missing/ },
    { endpoint: 'status', body: '', message: /"MessageSid" is missing/ },
    { endpoint: 'inbound', body: 'From=%2B1&To=%2B2&Body=x', message: /"MessageSid" is missing/ },
    { endpoint: 'inbound', body: `MessageSid=${SM}&To=%2B2`, message: /"From" is missing/ },
    { endpoint: 'inbound', body: `MessageSid=${SM}&From=%2B1`, message: /"To" is missing/ },
    { endpoint: 'inbound', body: `MessageSid=${SM}&From=%2B1&To=%2B2&NumMedia=two`, message: /"NumMedia" is not a number/ },
    { endpoint: 'status', body: '{"MessageSid":', contentType: 'application/json', message: /not valid JSON/ },
    { endpoint: 'status', body: '[1]', contentType: 'application/json', message: /not a JSON object/ },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseWebhook({ endpoint: c.endpoint, rawBody: Buffer.from(c.body), contentType: c.contentType ?? FORM, query: '' }),
      c.message,
      c.body,
    );
  }
  assert.deepEqual(parseWebhook({ endpoint: 'nope', rawBody: fixture('status-sent.txt'), contentType: FORM, query: '' }), [
    { kind: 'ignored', reason: 'unknown Twilio webhook endpoint nope' },
  ]);
});

test('parse: inbound with fewer media URLs than NumMedia, and no Body', () => {
  const body = `MessageSid=MM1&From=%2B1555&To=%2B1666&NumMedia=2&MediaUrl0=https%3A%2F%2Fm.example%2F0`;
  const [update] = parseWebhook({ endpoint: 'inbound', rawBody: Buffer.from(body), contentType: FORM, query: '' });
  assert.deepEqual(update, {
    kind: 'inbound',
    channel: 'mms',
    from: '+1555',
    to: '+1666',
    text: '',
    media: [{ url: 'https://m.example/0', contentType: null }],
    providerMessageId: 'MM1',
    occurredAt: null,
  });
});

test('parse: inbound reads at most 10 media, whatever NumMedia says', () => {
  const urls = Array.from({ length: 12 }, (_, n) => `MediaUrl${n}=https%3A%2F%2Fm.example%2F${n}`).join('&');
  const [twelve] = parseWebhook({ endpoint: 'inbound', rawBody: Buffer.from(`MessageSid=MM1&From=%2B1555&To=%2B1666&NumMedia=12&${urls}`), contentType: FORM, query: '' });
  assert.equal(twelve?.kind === 'inbound' && twelve.media.length, 10);
  // Found by the torture fuzzer: this loop once ran NumMedia times and stalled the hub.
  const t0 = performance.now();
  const [huge] = parseWebhook({ endpoint: 'inbound', rawBody: Buffer.from(`MessageSid=MM2&From=%2B1555&To=%2B1666&NumMedia=999999999999&${urls}`), contentType: FORM, query: '' });
  assert.equal(huge?.kind === 'inbound' && huge.media.length, 10);
  assert.ok(performance.now() - t0 < 1000);
});

test('RawDlrDoneDate', () => {
  const cases: [string | null, string | null][] = [
    ['2308240501', '2023-08-24T05:01:00.000Z'],
    ['0001010000', '2000-01-01T00:00:00.000Z'],
    ['9912312359', '2099-12-31T23:59:00.000Z'],
    ['2302290000', null], // no 29 February in 2023
    ['2313010000', null],
    ['2308241260', null],
    ['230824050', null],
    ['23082405011', null],
    ['', null],
    [null, null],
  ];
  for (const [value, expected] of cases) assert.equal(parseRawDlrDoneDate(value)?.toISOString() ?? null, expected, String(value));
});

// ---------------------------------------------------------------------------------------------
// verifyWebhook: signatures made by the official library's signer.

const PUBLIC_URL = 'https://hub.example.com/webhooks/int_1/tok_abc/status?message_id=msg_01';

function hook(rawBody: Buffer, headers: InboundWebhook['headers'], publicUrl = PUBLIC_URL): InboundWebhook {
  return { endpoint: 'status', rawBody, publicUrl, headers: { 'content-type': FORM, ...headers } };
}

function signed(rawBody: Buffer, url = PUBLIC_URL, token = SECRETS.auth_token): string {
  return twilio.getExpectedTwilioSignature(token, url, formParams(rawBody));
}

test('verify: every fixture, signed by the official library, verifies; tampering fails', () => {
  const now = Date.UTC(2026, 0, 1);
  for (const name of ['status-sent.txt', 'status-delivered.txt', 'status-undelivered-30003.txt', 'status-failed-30007.txt', 'status-read-whatsapp.txt', 'inbound-sms.txt', 'inbound-mms.txt']) {
    const body = fixture(name);
    const signature = signed(body);
    assert.deepEqual(verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': signature }), now), { ok: true }, name);
    const mismatch = { ok: false, reason: 'X-Twilio-Signature does not match' };
    const tampered = Buffer.from(body.toString().replace('%2B1', '%2B2'));
    assert.deepEqual(verifyWebhook(SECRETS, hook(tampered, { 'x-twilio-signature': signature }), now), mismatch, `${name} body`);
    const extra = Buffer.concat([body, Buffer.from('&Extra=1')]);
    assert.deepEqual(verifyWebhook(SECRETS, hook(extra, { 'x-twilio-signature': signature }), now), mismatch, `${name} extra param`);
    assert.deepEqual(
      verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': signature }, PUBLIC_URL.replace('msg_01', 'msg_02')), now),
      mismatch,
      `${name} URL`,
    );
    assert.deepEqual(
      verifyWebhook({ ...SECRETS, auth_token: 'other' }, hook(body, { 'x-twilio-signature': signature }), now),
      mismatch,
      `${name} token`,
    );
  }
});

test('verify: missing signature, header arrays, default ports', () => {
  const body = fixture('status-sent.txt');
  const now = 0;
  assert.deepEqual(verifyWebhook(SECRETS, hook(body, {}), now), { ok: false, reason: 'missing X-Twilio-Signature header' });
  assert.deepEqual(verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': '' }), now), { ok: false, reason: 'missing X-Twilio-Signature header' });
  assert.deepEqual(verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': [signed(body)] }), now), { ok: true });
  // Twilio signed the URL with :443; the hub's PUBLIC_URL has none (and the reverse).
  const withPort = PUBLIC_URL.replace('hub.example.com', 'hub.example.com:443');
  assert.deepEqual(verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': signed(body, withPort) }), now), { ok: true });
  assert.deepEqual(verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': signed(body) }, withPort), now), { ok: true });
  // A different port is a different URL.
  const otherPort = PUBLIC_URL.replace('hub.example.com', 'hub.example.com:8443');
  assert.equal(verifyWebhook(SECRETS, hook(body, { 'x-twilio-signature': signed(body) }, otherPort), now).ok, false);
});

test('verify: JSON bodies use bodySHA256', () => {
  const body = Buffer.from('{"MessageSid":"SM1","MessageStatus":"sent"}');
  const hash = twilio.getExpectedBodyHash(body.toString());
  const url = `${PUBLIC_URL}&bodySHA256=${hash}`;
  const signature = twilio.getExpectedTwilioSignature(SECRETS.auth_token, url, {});
  const json = (b: Buffer, u: string, sig = signature): InboundWebhook => ({ ...hook(b, { 'x-twilio-signature': sig, 'content-type': 'application/json' }, u) });
  assert.deepEqual(verifyWebhook(SECRETS, json(body, url), 0), { ok: true });
  assert.deepEqual(verifyWebhook(SECRETS, json(Buffer.from('{"MessageSid":"SM2","MessageStatus":"sent"}'), url), 0), {
    ok: false,
    reason: 'bodySHA256 does not match the body',
  });
  assert.deepEqual(verifyWebhook(SECRETS, json(body, PUBLIC_URL), 0), { ok: false, reason: 'JSON webhook without a bodySHA256 URL parameter' });
  assert.deepEqual(verifyWebhook(SECRETS, json(body, url, signed(body)), 0), { ok: false, reason: 'X-Twilio-Signature does not match' });
});

test('verify: the unsigned idempotency token is no replay key (Twilio reuses it on retries)', () => {
  const body = fixture('inbound-sms.txt');
  const now = 1_700_000_000_000;
  const headers = { 'x-twilio-signature': signed(body), 'i-twilio-idempotency-token': '6f1c9f3e-4d7e-4a51-9a0e-6ad1c5a3f0b2' };
  assert.deepEqual(verifyWebhook(SECRETS, hook(body, headers), now), { ok: true });
  // A bad signature is refused before the token is looked at.
  assert.equal(verifyWebhook(SECRETS, hook(body, { ...headers, 'x-twilio-signature': 'x' }), now).ok, false);
});

test('routes', () => {
  assert.deepEqual(webhookEndpoints.map((r) => [r.name, r.statusCallback ?? false]), [['status', true], ['inbound', false]]);
  assert.deepEqual(webhookEndpoints[1]!.response, { contentType: 'text/xml', body: EMPTY_TWIML });
  assert.equal(EMPTY_TWIML, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  assert.equal(twilioAdapter.type, 'twilio');
  assert.equal(twilioAdapter.displayName, 'Twilio Messaging');
  assert.deepEqual(twilioAdapter.channels, ['sms', 'mms']);
});
