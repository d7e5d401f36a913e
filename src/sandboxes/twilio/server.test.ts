import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import twilio from 'twilio';
import { countSegments } from '../../core/segments.js';
import { cleanupsAfterAll, startCallbackReceiver, type CallbackReceiver } from '../../providers/test-support/http-server.js';
import type { OutboundMessage, SendContext } from '../../providers/types.js';
import type { TwilioConfig, TwilioSecrets } from '../../providers/twilio/config.js';
import { twilioAdapter } from '../../providers/twilio/index.js';
import { formParams } from '../../providers/twilio/signature.js';
import { rawDlrDoneDate, rfc2822 } from './resource.js';
import { createTwilioSandbox, type TwilioSandbox, type TwilioSandboxOptions } from './server.js';
import { sandboxAccounts, TWILIO_SANDBOX_DEMO } from './cli.js';

// ---------------------------------------------------------------------------------------------
// Helpers: a loopback webhook receiver and sandboxes that are closed after the run.

interface Received {
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
  params: Record<string, string | string[]>;
  at: number;
}

type Receiver = CallbackReceiver<Received>;

const cleanups = cleanupsAfterAll();

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

async function startReceiver(respond: Receiver['respond'] = () => 200): Promise<Receiver> {
  const receiver = await startCallbackReceiver<Received>(
    ({ path, headers, raw, at }, base) => {
      const text = raw.toString('utf8');
      return { path, url: `${base}${path}`, headers, raw: text, params: formParams(text), at };
    },
    { respond, contentType: 'text/xml', body: TWIML },
  );
  cleanups.push(() => receiver.close());
  return receiver;
}

const ACCOUNT = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'auth-token-1',
  apiKeys: [{ sid: `SK${'fedcba9876543210'.repeat(2)}`, secret: 'key-secret-1' }],
};
const OTHER = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'auth-token-2', apiKeys: [{ sid: `SK${'2'.repeat(32)}`, secret: 'key-secret-2' }] };
const KEY = ACCOUNT.apiKeys[0]!;
const MG = `MG${'c'.repeat(32)}`;
const FROM = '+14155552345';

async function startSandbox(opts: Partial<TwilioSandboxOptions> = {}): Promise<TwilioSandbox> {
  const sandbox = createTwilioSandbox({
    accounts: [ACCOUNT, OTHER],
    delays: { sentMs: 20, finalMs: 60 },
    retryBaseMs: 20,
    ...opts,
  });
  await sandbox.listen(0, '127.0.0.1');
  cleanups.push(() => sandbox.close());
  return sandbox;
}

/** The official client, pointed at the sandbox by overriding the API domain's base URL. */
function sdk(sandbox: TwilioSandbox, auth: 'api-key' | 'auth-token' = 'api-key'): twilio.Twilio {
  const client =
    auth === 'api-key' ? twilio(KEY.sid, KEY.secret, { accountSid: ACCOUNT.accountSid }) : twilio(ACCOUNT.accountSid, ACCOUNT.authToken);
  client.api.baseUrl = sandbox.url;
  return client;
}

/** The official client with any credentials, for refusals. */
function twilioWith(sandbox: TwilioSandbox, user: string, password: string): twilio.Twilio {
  const client = twilio(user, password, { accountSid: ACCOUNT.accountSid });
  client.api.baseUrl = sandbox.url;
  return client;
}

async function create(
  sandbox: TwilioSandbox,
  fields: [string, string][],
  auth: [string, string] = [KEY.sid, KEY.secret],
  accountSid = ACCOUNT.accountSid,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const errorBody = (code: number, status: number) => ({ code, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

/** MessageStatus values each recipient got, in arrival order. */
function statusesByRecipient(receiver: Receiver): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { params } of receiver.received) {
    const to = String(params['To']);
    const status = `${String(params['MessageStatus'])}${params['ErrorCode'] ? `/${String(params['ErrorCode'])}` : ''}`;
    out.set(to, [...(out.get(to) ?? []), status]);
  }
  return out;
}

/** US numbers (which get delivery reports) ending in the given four digits. */
const us = (suffix: string) => `+1415555${suffix}`;

// ---------------------------------------------------------------------------------------------

describe('Twilio sandbox', () => {
  test('the official client creates and fetches messages, with an API key and with the Auth Token', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    for (const auth of ['api-key', 'auth-token'] as const) {
      const client = sdk(sandbox, auth);
      const message = await client.messages.create({ to: us('0100'), from: FROM, body: 'Hello 👋', statusCallback: `${receiver.base}/status` });
      assert.match(message.sid, /^SM[0-9a-f]{32}$/);
      assert.equal(message.accountSid, ACCOUNT.accountSid);
      assert.equal(message.status, 'queued');
      assert.equal(message.direction, 'outbound-api');
      assert.equal(message.numSegments, '1');
      assert.equal(message.numMedia, '0');
      assert.equal(message.body, 'Hello 👋');
      assert.ok(message.dateCreated instanceof Date && !Number.isNaN(message.dateCreated.getTime()));
      const fetched = await client.messages(message.sid).fetch();
      assert.equal(fetched.sid, message.sid);
      assert.equal(fetched.to, us('0100'));
    }
    const mms = await sdk(sandbox).messages.create({ to: us('0100'), from: FROM, mediaUrl: ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.png'] });
    assert.match(mms.sid, /^MM[0-9a-f]{32}$/);
    assert.equal(mms.numMedia, '2');
    assert.equal(mms.body, '');
    const service = await sdk(sandbox).messages.create({ to: us('0100'), messagingServiceSid: MG, body: 'Via a service' });
    assert.equal(service.status, 'accepted');
    assert.equal(service.from, null);
    assert.equal(service.messagingServiceSid, MG);
    assert.equal(service.numSegments, '0');
    // The form the client sent: To, From, Body, MediaUrl repeated.
    const mmsRequest = sandbox.requests.find((r) => r.body?.includes('MediaUrl'))!;
    assert.deepEqual([...new URLSearchParams(mmsRequest.body)], [
      ['To', us('0100')],
      ['From', FROM],
      ['MediaUrl', 'https://cdn.example.com/a.jpg'],
      ['MediaUrl', 'https://cdn.example.com/b.png'],
    ]);
    await sandbox.idle();
  });

  test('the official client sees the API errors as RestException', async () => {
    const sandbox = await startSandbox();
    const cases: { name: string; client: twilio.Twilio; params: Record<string, unknown>; status: number; code: number; message: string }[] = [
      { name: 'bad API key secret', client: twilio(KEY.sid, 'wrong', { accountSid: ACCOUNT.accountSid }), params: { to: us('0100'), from: FROM, body: 'x' }, status: 401, code: 20003, message: 'Authenticate' },
      { name: 'bad Auth Token', client: twilio(ACCOUNT.accountSid, 'wrong'), params: { to: us('0100'), from: FROM, body: 'x' }, status: 401, code: 20003, message: 'Authenticate' },
      { name: 'invalid To', client: sdk(sandbox), params: { to: '+1', from: FROM, body: 'x' }, status: 400, code: 21211, message: "The 'To' number +1 is not a valid phone number." },
    ];
    for (const c of cases) {
      c.client.api.baseUrl = sandbox.url;
      await assert.rejects(c.client.messages.create(c.params as never), (err: { status: number; code: number; message: string; moreInfo: string }) => {
        assert.equal(err.status, c.status, c.name);
        assert.equal(err.code, c.code, c.name);
        assert.equal(err.message, c.message, c.name);
        assert.equal(err.moreInfo, `https://www.twilio.com/docs/errors/${c.code}`);
        return true;
      });
    }
  });

  test('401 on bad credentials, with Twilio\'s error body', async () => {
    const sandbox = await startSandbox();
    const fields: [string, string][] = [['To', us('0100')], ['From', FROM], ['Body', 'x']];
    const cases: { name: string; auth: [string, string]; accountSid?: string }[] = [
      { name: 'wrong API key secret', auth: [KEY.sid, 'nope'] },
      { name: 'wrong Auth Token', auth: [ACCOUNT.accountSid, 'nope'] },
      { name: 'unknown API key', auth: [`SK${'9'.repeat(32)}`, KEY.secret] },
      { name: "another account's API key", auth: [OTHER.apiKeys[0]!.sid, OTHER.apiKeys[0]!.secret] },
      { name: "another account's token", auth: [OTHER.accountSid, OTHER.authToken] },
      { name: 'unknown account in the path', auth: [KEY.sid, KEY.secret], accountSid: `AC${'f'.repeat(32)}` },
      { name: 'the account SID with a key secret', auth: [ACCOUNT.accountSid, KEY.secret] },
    ];
    for (const c of cases) {
      const res = await create(sandbox, fields, c.auth, c.accountSid);
      assert.equal(res.status, 401, c.name);
      assert.deepEqual(res.json, { ...errorBody(20003, 401), message: 'Authenticate' }, c.name);
    }
    const none = await fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json`, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.equal(sandbox.messages.length, 0);
  });

  test('request validation answers the documented codes', async () => {
    const sandbox = await startSandbox();
    const base: [string, string][] = [['To', us('0100')], ['From', FROM], ['Body', 'Hi']];
    const without = (name: string) => base.filter(([k]) => k !== name);
    const media = (n: number): [string, string][] => Array.from({ length: n }, (_, i) => ['MediaUrl', `https://cdn.example.com/${i}.jpg`]);
    const cases: { name: string; fields: [string, string][]; code: number }[] = [
      { name: 'no To', fields: without('To'), code: 21604 },
      { name: 'empty To', fields: [['To', ''], ...without('To')], code: 21604 },
      { name: 'no From nor MessagingServiceSid', fields: without('From'), code: 21603 },
      { name: 'malformed MessagingServiceSid', fields: [...without('From'), ['MessagingServiceSid', 'MG123']], code: 21705 },
      { name: 'To not E.164', fields: [['To', '4155550100'], ...without('To')], code: 21211 },
      { name: 'To too short', fields: [['To', '+1'], ...without('To')], code: 21211 },
      { name: 'From neither number, short code nor alphanumeric', fields: [['From', '!!bad!!'], ...without('From')], code: 21212 },
      { name: 'no Body nor MediaUrl', fields: without('Body'), code: 21602 },
      { name: 'empty Body', fields: [...without('Body'), ['Body', '']], code: 21602 },
      { name: 'service send without content', fields: [['To', us('0100')], ['MessagingServiceSid', MG]], code: 21619 },
      { name: 'Body over 1600', fields: [...without('Body'), ['Body', 'x'.repeat(1601)]], code: 21658 },
      { name: 'eleven MediaUrl', fields: [...base, ...media(11)], code: 21623 },
      { name: 'MediaUrl not http(s)', fields: [...base, ['MediaUrl', 'ftp://cdn.example.com/a.jpg']], code: 21620 },
      { name: 'magic To +15005550001 (invalid)', fields: [['To', '+15005550001'], ...without('To')], code: 21211 },
      { name: 'magic To +15005550002 (cannot route)', fields: [['To', '+15005550002'], ...without('To')], code: 21612 },
      { name: 'magic To +15005550003 (no international permission)', fields: [['To', '+15005550003'], ...without('To')], code: 21408 },
      { name: 'magic To +15005550004 (blocked)', fields: [['To', '+15005550004'], ...without('To')], code: 21610 },
      { name: 'magic To +15005550009 (not SMS-capable)', fields: [['To', '+15005550009'], ...without('To')], code: 21614 },
      { name: 'magic From +15005550001 (invalid)', fields: [['From', '+15005550001'], ...without('From')], code: 21212 },
      { name: 'magic From +15005550007 (not owned)', fields: [['From', '+15005550007'], ...without('From')], code: 21606 },
      { name: 'magic From +15005550008 (queue full)', fields: [['From', '+15005550008'], ...without('From')], code: 21611 },
      { name: 'test number …1610 (replied STOP)', fields: [['To', us('1610')], ...without('To')], code: 21610 },
    ];
    for (const c of cases) {
      const res = await create(sandbox, c.fields);
      assert.equal(res.status, 400, c.name);
      assert.deepEqual({ ...res.json, message: undefined }, { ...errorBody(c.code, 400), message: undefined }, c.name);
      assert.equal(typeof res.json['message'], 'string');
    }
    // Accepted edge cases.
    const ok: { name: string; fields: [string, string][] }[] = [
      { name: 'Body of exactly 1600', fields: [...without('Body'), ['Body', 'x'.repeat(1600)]] },
      { name: 'ten MediaUrl, no Body', fields: [...without('Body'), ...media(10)] },
      { name: 'short code sender', fields: [['From', '12345'], ...without('From')] },
      { name: 'alphanumeric sender', fields: [['From', 'MyBrand'], ...without('From')] },
      { name: 'From and MessagingServiceSid', fields: [...base, ['MessagingServiceSid', MG]] },
      { name: 'magic From +15005550006 (valid)', fields: [['From', '+15005550006'], ...without('From')] },
    ];
    for (const c of ok) assert.equal((await create(sandbox, c.fields)).status, 201, c.name);
    // A JSON body carries no form parameters.
    const json = await fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${KEY.sid}:${KEY.secret}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ To: us('0100'), From: FROM, Body: 'x' }),
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { code: number }).code, 21604);
    await sandbox.idle();
  });

  test('429 20429 above ratePerSecond', async () => {
    const sandbox = await startSandbox({ ratePerSecond: 2 });
    const fields: [string, string][] = [['To', us('0100')], ['From', FROM], ['Body', 'x']];
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await create(sandbox, fields));
    assert.deepEqual(statuses.map((s) => s.status), [201, 201, 429, 429]);
    assert.deepEqual(statuses[2]!.json, { ...errorBody(20429, 429), message: 'Too Many Requests' });
    // Per account.
    assert.equal((await create(sandbox, fields, [OTHER.accountSid, OTHER.authToken], OTHER.accountSid)).status, 201);
    await sandbox.idle();
  });

  test('the 201 answer has the spec example\'s shape; num_segments comes from countSegments', async () => {
    const sandbox = await startSandbox();
    const example = JSON.parse(readFileSync(new URL('../../providers/twilio/fixtures/message-created-201.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const texts = ['Hi', 'x'.repeat(160), 'x'.repeat(161), '€'.repeat(80), '😀'.repeat(35), 'é'.repeat(71), 'Ω'.repeat(70)];
    for (const body of texts) {
      const res = await create(sandbox, [['To', us('0100')], ['From', FROM], ['Body', body]]);
      assert.equal(res.status, 201);
      assert.deepEqual(Object.keys(res.json), Object.keys(example));
      const sid = String(res.json['sid']);
      assert.match(sid, /^SM[0-9a-f]{32}$/);
      assert.equal(res.json['num_segments'], String(countSegments(body).parts), body);
      assert.equal(res.json['status'], 'queued');
      assert.equal(res.json['price'], null);
      assert.equal(res.json['error_code'], null);
      assert.equal(res.json['api_version'], '2010-04-01');
      assert.equal(res.json['direction'], 'outbound-api');
      assert.equal(res.json['uri'], `/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages/${sid}.json`);
      assert.deepEqual(res.json['subresource_uris'], { media: `/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages/${sid}/Media.json` });
      assert.match(String(res.json['date_created']), /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    }
    assert.equal(rfc2822(new Date('2023-08-24T05:01:45Z')), 'Thu, 24 Aug 2023 05:01:45 +0000');
    assert.equal(rawDlrDoneDate(new Date('2023-08-04T15:07:59Z')), '2308041507');
    await sandbox.idle();
  });

  test('the official client fetches the account and lists its messages, newest first, a page at a time', async () => {
    const sandbox = await startSandbox();
    const account = await sdk(sandbox).api.v2010.accounts(ACCOUNT.accountSid).fetch();
    assert.equal(account.sid, ACCOUNT.accountSid);
    assert.equal(account.status, 'active');
    assert.equal(account.type, 'Full');
    assert.equal((await sdk(sandbox, 'auth-token').api.v2010.accounts(ACCOUNT.accountSid).fetch()).sid, ACCOUNT.accountSid);
    await assert.rejects(twilioWith(sandbox, KEY.sid, 'wrong').api.v2010.accounts(ACCOUNT.accountSid).fetch(), (e: { status?: number; code?: number }) => e.status === 401 && e.code === 20003);
    await assert.rejects(sdk(sandbox).api.v2010.accounts(OTHER.accountSid).fetch(), (e: { status?: number; code?: number }) => e.status === 401 && e.code === 20003);

    assert.deepEqual(await sdk(sandbox).messages.list({ limit: 1 }), [], 'an empty list before any send');
    const sids: string[] = [];
    for (const n of ['0100', '0101', '0102']) sids.push(String((await create(sandbox, [['To', us(n)], ['From', FROM], ['Body', 'x']])).json['sid']));
    assert.deepEqual((await sdk(sandbox).messages.list({ limit: 1 })).map((m) => m.sid), [sids[2]]);
    assert.deepEqual((await sdk(sandbox).messages.list({ pageSize: 2 })).map((m) => m.sid), [...sids].reverse(), 'the client follows next_page_uri');
    const raw = await fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json?PageSize=1`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY.sid}:${KEY.secret}`).toString('base64')}` },
    });
    const page = (await raw.json()) as Record<string, unknown>;
    assert.deepEqual({ ...page, messages: (page['messages'] as unknown[]).length }, {
      end: 0,
      first_page_uri: `/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json?PageSize=1&Page=0`,
      messages: 1,
      next_page_uri: `/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json?PageSize=1&Page=1`,
      page: 0,
      page_size: 1,
      previous_page_uri: null,
      start: 0,
      uri: `/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json?PageSize=1&Page=0`,
    });
    await assert.rejects(twilioWith(sandbox, KEY.sid, 'wrong').messages.list({ limit: 1 }), (e: { status?: number }) => e.status === 401);
  });

  test('GET a message: its current status; 404 20404 for unknown and foreign SIDs', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const created = await create(sandbox, [['To', us('3003')], ['From', FROM], ['Body', 'x'], ['StatusCallback', `${receiver.base}/s`]]);
    const sid = String(created.json['sid']);
    await sandbox.idle();
    const client = sdk(sandbox);
    const fetched = await client.messages(sid).fetch();
    assert.equal(fetched.status, 'undelivered');
    assert.equal(fetched.errorCode, 30003);
    assert.equal(fetched.errorMessage, 'Unreachable destination handset');
    const path = (account: string, msid: string) => `${sandbox.url}/2010-04-01/Accounts/${account}/Messages/${msid}.json`;
    const get = (account: string, msid: string, auth: [string, string]) =>
      fetch(path(account, msid), { headers: { authorization: `Basic ${Buffer.from(auth.join(':')).toString('base64')}` } });
    const unknown = await get(ACCOUNT.accountSid, `SM${'0'.repeat(32)}`, [KEY.sid, KEY.secret]);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), {
      ...errorBody(20404, 404),
      message: `The requested resource /2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages/SM${'0'.repeat(32)}.json was not found`,
    });
    assert.equal((await get(OTHER.accountSid, sid, [OTHER.accountSid, OTHER.authToken])).status, 404);
    assert.equal((await get(ACCOUNT.accountSid, sid, [KEY.sid, 'wrong'])).status, 401);
  });

  test('status callbacks per test number, each signed as Twilio signs them', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const client = sdk(sandbox);
    const cases: { suffix: string; expected: string[] }[] = [
      { suffix: '0100', expected: ['sent', 'delivered'] },
      { suffix: '0010', expected: ['sent', 'delivered'] },
      { suffix: '0020', expected: ['sent'] },
      { suffix: '0030', expected: ['sent', 'delivered', 'read'] },
      { suffix: '0040', expected: ['sent', 'delivered', 'delivered'] },
      { suffix: '0050', expected: ['delivered', 'sent'] },
      { suffix: '3001', expected: ['failed/30001'] },
      { suffix: '3003', expected: ['sent', 'undelivered/30003'] },
      { suffix: '3005', expected: ['sent', 'undelivered/30005'] },
      { suffix: '3006', expected: ['sent', 'undelivered/30006'] },
      { suffix: '3007', expected: ['failed/30007'] },
    ];
    const sids = new Map<string, string>();
    for (const c of cases) {
      const m = await client.messages.create({ to: us(c.suffix), from: FROM, body: `to ${c.suffix}`, statusCallback: `${receiver.base}/status?message_id=msg_${c.suffix}` });
      sids.set(us(c.suffix), m.sid);
    }
    // A country without delivery reports (docs/events.md): `sent`, then nothing.
    await client.messages.create({ to: '+4915123456789', from: FROM, body: 'Hallo', statusCallback: `${receiver.base}/status?message_id=msg_de` });
    await sandbox.idle();

    const got = statusesByRecipient(receiver);
    for (const c of cases) assert.deepEqual(got.get(us(c.suffix)), c.expected, c.suffix);
    assert.deepEqual(got.get('+4915123456789'), ['sent']);

    for (const r of receiver.received) {
      const signature = String(r.headers['x-twilio-signature']);
      // The official validator accepts every callback, over the URL as given and the params received.
      assert.equal(twilio.validateRequest(ACCOUNT.authToken, signature, r.url, r.params), true, r.raw);
      assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.match(String(r.headers['i-twilio-idempotency-token']), /^[0-9a-f-]{36}$/);
      const p = r.params;
      const status = String(p['MessageStatus']);
      assert.equal(p['SmsStatus'], status);
      assert.equal(p['SmsSid'], p['MessageSid']);
      assert.equal(p['AccountSid'], ACCOUNT.accountSid);
      assert.equal(p['From'], FROM);
      assert.equal(p['ApiVersion'], '2010-04-01');
      assert.equal(p['MessageSid'], sids.get(String(p['To'])) ?? p['MessageSid']);
      assert.equal('ErrorCode' in p, status === 'failed' || status === 'undelivered', r.raw);
      assert.equal('RawDlrDoneDate' in p, status === 'delivered' || status === 'undelivered', r.raw);
      if ('RawDlrDoneDate' in p) assert.match(String(p['RawDlrDoneDate']), /^\d{10}$/);
      // No callback for the initial status.
      assert.notEqual(status, 'queued');
    }
    // A duplicate is a new webhook (its own token), not a retry.
    const dup = receiver.received.filter((r) => r.params['To'] === us('0040') && r.params['MessageStatus'] === 'delivered');
    assert.notEqual(dup[0]!.headers['i-twilio-idempotency-token'], dup[1]!.headers['i-twilio-idempotency-token']);
    // Slow is slow.
    const slow = receiver.received.filter((r) => r.params['To'] === us('0010')).map((r) => r.at);
    const normal = receiver.received.filter((r) => r.params['To'] === us('0100')).map((r) => r.at);
    assert.ok(slow[1]! - slow[0]! > normal[1]! - normal[0]!);
  });

  test('Messaging Service sends: accepted, then a sender and segments are assigned', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const res = await create(sandbox, [['To', us('0100')], ['MessagingServiceSid', MG], ['Body', 'x'.repeat(200)], ['StatusCallback', `${receiver.base}/s`]]);
    assert.equal(res.json['status'], 'accepted');
    assert.equal(res.json['from'], null);
    assert.equal(res.json['num_segments'], '0');
    await sandbox.idle();
    assert.deepEqual(receiver.received.map((r) => [r.params['MessageStatus'], r.params['MessagingServiceSid'], r.params['From']]), [
      ['sent', MG, '+15005550006'],
      ['delivered', MG, '+15005550006'],
    ]);
    const m = sandbox.messages.at(-1)!;
    assert.equal(m.resource.from, '+15005550006');
    assert.equal(m.resource.num_segments, '2');
    assert.equal(m.resource.status, 'delivered');
  });

  test('forced send errors: 429 once, 500 once, then accepted', async () => {
    const sandbox = await startSandbox();
    const fields = (to: string): [string, string][] => [['To', to], ['From', FROM], ['Body', 'x']];
    const a = await create(sandbox, fields(us('0429')));
    assert.equal(a.status, 429);
    assert.deepEqual(a.json, { ...errorBody(20429, 429), message: 'Too Many Requests' });
    assert.equal((await create(sandbox, fields(us('0429')))).status, 201);
    const b = await create(sandbox, fields(us('0500')));
    assert.equal(b.status, 500);
    assert.deepEqual(b.json, { ...errorBody(20500, 500), message: 'Internal Server Error' });
    assert.equal((await create(sandbox, fields(us('0500')))).status, 201);
    assert.equal((await create(sandbox, fields(us('1610')))).status, 400);
    assert.equal((await create(sandbox, fields(us('1610')))).status, 400);
    await sandbox.idle();
  });

  test('callbacks are retried after 5xx and connection errors; #rc=N sets the retries', async () => {
    const sandbox = await startSandbox();
    // Fails everything: 1 try + 1 retry by default; 1 + 3 with #rc=3; none retried after a 4xx.
    const failing = await startReceiver((_n, r) => (r.path.startsWith('/four') ? 404 : 503));
    const send = (to: string, url: string) => create(sandbox, [['To', to], ['From', FROM], ['Body', 'x'], ['StatusCallback', url]]);
    await send(us('0020'), `${failing.base}/default?message_id=a`);
    await send(us('0020'), `${failing.base}/three?message_id=b#rc=3&rp=all`);
    await send(us('0020'), `${failing.base}/four?message_id=c`);
    await sandbox.idle();
    const count = (prefix: string) => failing.received.filter((r) => r.path.startsWith(prefix)).length;
    assert.equal(count('/default'), 2);
    assert.equal(count('/three'), 4);
    assert.equal(count('/four'), 1);
    // The fragment is not sent, nor signed; retries carry the same idempotency token.
    const three = failing.received.filter((r) => r.path.startsWith('/three'));
    assert.ok(three.every((r) => r.path === '/three?message_id=b'));
    assert.ok(three.every((r) => twilio.validateRequest(ACCOUNT.authToken, String(r.headers['x-twilio-signature']), r.url, r.params)));
    assert.equal(new Set(three.map((r) => r.headers['i-twilio-idempotency-token'])).size, 1);
    assert.deepEqual(sandbox.callbacks.filter((c) => c.url.includes('/three')).map((c) => c.attempt), [1, 2, 3, 4]);

    // Recovers: 500 first, then 200.
    const flaky = await startReceiver((n) => (n === 0 ? 500 : 200));
    await send(us('0020'), `${flaky.base}/s`);
    await sandbox.idle();
    assert.deepEqual(flaky.received.map((r) => r.params['MessageStatus']), ['sent', 'sent']);

    // Unreachable receiver: one retry, then give up.
    const closed = await startReceiver();
    await closed.close();
    await send(us('0020'), `${closed.base}/gone`);
    await sandbox.idle();
    const gone = sandbox.callbacks.filter((c) => c.url.endsWith('/gone'));
    assert.equal(gone.length, 2);
    assert.ok(gone.every((c) => c.status === null && c.error));
  });

  test('injectInbound posts a signed incoming-message webhook', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const url = `${receiver.base}/webhooks/int_1/tok/inbound`;
    const sms = await sandbox.injectInbound({ accountSid: ACCOUNT.accountSid, from: '+17192103020', to: '+18105103020', body: 'New test', url });
    assert.equal(sms.status, 200);
    assert.equal(sms.body, TWIML);
    assert.match(sms.messageSid, /^SM[0-9a-f]{32}$/);
    const mms = await sandbox.injectInbound({
      accountSid: ACCOUNT.accountSid,
      from: '+14155550100',
      to: FROM,
      body: '',
      url,
      messagingServiceSid: MG,
      media: [
        { url: 'https://media.example.com/1.jpg', contentType: 'image/jpeg' },
        { url: 'https://media.example.com/2.png', contentType: 'image/png' },
      ],
    });
    assert.match(mms.messageSid, /^MM[0-9a-f]{32}$/);
    await sandbox.idle();

    assert.equal(receiver.received.length, 2);
    const [first, second] = receiver.received as [Received, Received];
    for (const r of receiver.received) {
      assert.equal(twilio.validateRequest(ACCOUNT.authToken, String(r.headers['x-twilio-signature']), r.url, r.params), true);
      assert.equal(r.headers['user-agent'], 'TwilioProxy/1.1');
    }
    assert.deepEqual(Object.keys(first.params), [
      'ToCountry', 'ToState', 'SmsMessageSid', 'NumMedia', 'ToCity', 'FromZip', 'SmsSid', 'FromState', 'SmsStatus', 'FromCity',
      'Body', 'FromCountry', 'To', 'ToZip', 'NumSegments', 'MessageSid', 'AccountSid', 'From', 'ApiVersion',
    ]);
    assert.equal(first.params['ToCountry'], 'US');
    assert.equal(first.params['SmsStatus'], 'received');
    assert.equal(first.params['NumSegments'], '1');
    assert.equal(second.params['NumMedia'], '2');
    assert.equal(second.params['MediaUrl1'], 'https://media.example.com/2.png');
    assert.equal(second.params['MediaContentType0'], 'image/jpeg');
    assert.equal(second.params['MessagingServiceSid'], MG);

    // The adapter reads them.
    const parse = (r: Received) => twilioAdapter.parseWebhook({ endpoint: 'inbound', rawBody: Buffer.from(r.raw), contentType: String(r.headers['content-type']), query: '' });
    assert.deepEqual(parse(first), [
      { kind: 'inbound', channel: 'sms', from: '+17192103020', to: '+18105103020', text: 'New test', media: [], providerMessageId: sms.messageSid, occurredAt: null },
    ]);
    assert.deepEqual(parse(second), [
      {
        kind: 'inbound',
        channel: 'mms',
        from: '+14155550100',
        to: FROM,
        text: '',
        media: [
          { url: 'https://media.example.com/1.jpg', contentType: 'image/jpeg' },
          { url: 'https://media.example.com/2.png', contentType: 'image/png' },
        ],
        providerMessageId: mms.messageSid,
        occurredAt: null,
      },
    ]);
    // The injected messages are in the account's messages too.
    const fetched = await sdk(sandbox).messages(sms.messageSid).fetch();
    assert.equal(fetched.direction, 'inbound');
    assert.equal(fetched.status, 'received');
  });

  test('the sandbox-only inbound route', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const post = (fields: [string, string][], auth = [KEY.sid, KEY.secret]) =>
      fetch(`${sandbox.url}/sandbox/2010-04-01/Accounts/${ACCOUNT.accountSid}/Inbound.json`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(auth.join(':')).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const res = await post([['From', '+14155550100'], ['To', FROM], ['Body', 'STOP'], ['Url', `${receiver.base}/in`]]);
    assert.equal(res.status, 200);
    const json = (await res.json()) as { message_sid: string; status: number };
    assert.equal(json.status, 200);
    assert.equal(receiver.received[0]!.params['Body'], 'STOP');
    assert.equal(receiver.received[0]!.params['MessageSid'], json.message_sid);
    assert.equal((await post([['From', '+14155550100'], ['To', FROM]])).status, 400);
    assert.equal((await post([['From', '+1'], ['To', FROM], ['Url', `${receiver.base}/in`]], [KEY.sid, 'x'])).status, 401);
  });

  test('end to end with the adapter: send, then verify and parse every callback', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const agent = new Agent();
    cleanups.push(() => agent.close());
    const ctx: SendContext<TwilioConfig, TwilioSecrets> = {
      config: { account_sid: ACCOUNT.accountSid, base_url: sandbox.url },
      secrets: { auth_token: ACCOUNT.authToken, api_key_sid: KEY.sid, api_key_secret: KEY.secret },
      pool: agent,
      webhookUrls: {},
      timeoutMs: 15_000,
    };
    const message = (to: string, m: Partial<OutboundMessage> = {}): OutboundMessage => ({
      messageId: `msg_${to.slice(-4)}`,
      channel: 'sms',
      to,
      from: FROM,
      body: 'Your code is 4711',
      parts: 1,
      media: [],
      content: null,
      statusCallbackUrl: `${receiver.base}/webhooks/int_1/tok/status?message_id=msg_${to.slice(-4)}`,
      ...m,
    });

    const accepted = await twilioAdapter.send(ctx, message(us('3003')));
    assert.equal(accepted.kind, 'accepted');
    assert.ok(accepted.kind === 'accepted' && /^SM[0-9a-f]{32}$/.test(accepted.providerMessageId) && accepted.parts === 1);
    const long = await twilioAdapter.send(ctx, message(us('0100'), { body: 'x'.repeat(161) }));
    assert.ok(long.kind === 'accepted' && long.parts === 2);
    const service = await twilioAdapter.send(ctx, message(us('3007'), { from: MG }));
    assert.ok(service.kind === 'accepted' && service.parts === undefined);
    const mms = await twilioAdapter.send(ctx, message(us('0030'), { channel: 'mms', body: '', media: ['https://cdn.example.com/a.jpg'] }));
    assert.ok(mms.kind === 'accepted' && mms.providerMessageId.startsWith('MM'));
    assert.deepEqual(await twilioAdapter.send(ctx, message(us('1610'))), {
      kind: 'refused',
      statusCode: 400,
      error: '21610',
      comment: "Message cannot be sent to the 'To' number because the customer has replied with STOP",
      optedOut: true,
    });
    assert.deepEqual(await twilioAdapter.send(ctx, message(us('0429'))), { kind: 'retry', statusCode: 429, error: '20429', comment: 'Too Many Requests' });
    assert.equal((await twilioAdapter.send(ctx, message(us('0429')))).kind, 'accepted');
    assert.equal((await twilioAdapter.send(ctx, message(us('0500')))).kind, 'retry');
    assert.equal((await twilioAdapter.send(ctx, message(us('0500')))).kind, 'accepted');
    const refused = await twilioAdapter.send(ctx, message(us('0100'), { from: null }));
    assert.deepEqual(refused, {
      kind: 'refused',
      statusCode: 400,
      error: '21603',
      comment: "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
    });
    const badKey = await twilioAdapter.send({ ...ctx, secrets: { ...ctx.secrets, api_key_secret: 'wrong' } }, message(us('0100')));
    assert.deepEqual(badKey, { kind: 'refused', statusCode: 401, error: '20003', comment: 'Authenticate' });
    await sandbox.idle();

    const updates = receiver.received.map((r) => {
      const hook = { endpoint: 'status', headers: r.headers, rawBody: Buffer.from(r.raw), publicUrl: r.url };
      const check = twilioAdapter.verifyWebhook(ctx.secrets, hook, Date.now());
      assert.equal(check.ok, true, r.raw);
      // Tampering is caught.
      assert.equal(twilioAdapter.verifyWebhook(ctx.secrets, { ...hook, publicUrl: `${r.url}x` }, Date.now()).ok, false);
      const query = r.path.includes('?') ? r.path.slice(r.path.indexOf('?') + 1) : '';
      return twilioAdapter.parseWebhook({ endpoint: 'status', rawBody: hook.rawBody, contentType: String(r.headers['content-type']), query });
    });
    const summary = (id: string) =>
      updates
        .flat()
        .filter((u) => u.kind === 'status' && u.messageId === id)
        .map((u) => (u.kind === 'status' ? `${u.status}${u.error ? `/${u.error}/${u.comment}` : ''}` : ''));
    assert.deepEqual(summary('msg_3003'), ['sent', 'failed/30003/Unreachable destination handset']);
    assert.deepEqual(summary('msg_3007'), ['rejected/30007/Message filtered']);
    assert.deepEqual(summary('msg_0030'), ['sent', 'delivered', 'read']);
    const undelivered = updates.flat().find((u) => u.kind === 'status' && u.status === 'failed');
    assert.ok(undelivered?.kind === 'status' && undelivered.occurredAt instanceof Date && undelivered.recipient === us('3003'));
    assert.ok(undelivered.providerMessageId === (accepted.kind === 'accepted' ? accepted.providerMessageId : ''));
  });
});

test('CLI accounts: the demo account by default, --account and --api-key', () => {
  assert.deepEqual(sandboxAccounts([], []), [
    {
      accountSid: TWILIO_SANDBOX_DEMO.accountSid,
      authToken: TWILIO_SANDBOX_DEMO.authToken,
      apiKeys: [{ sid: TWILIO_SANDBOX_DEMO.apiKeySid, secret: TWILIO_SANDBOX_DEMO.apiKeySecret }],
    },
  ]);
  const ac1 = `AC${'1'.repeat(32)}`;
  const ac2 = `AC${'2'.repeat(32)}`;
  const sk = `SK${'3'.repeat(32)}`;
  assert.deepEqual(sandboxAccounts([`${ac1}:t1`, `${ac2}:t:2`], [`${sk}:s1`, `${ac2}:${sk}:s2`]), [
    { accountSid: ac1, authToken: 't1', apiKeys: [{ sid: sk, secret: 's1' }] },
    { accountSid: ac2, authToken: 't:2', apiKeys: [{ sid: sk, secret: 's2' }] },
  ]);
  assert.throws(() => sandboxAccounts(['AC1:t'], []), /--account expects/);
  assert.throws(() => sandboxAccounts([`${ac1}:t`], ['SK1:s']), /--api-key expects/);
  assert.throws(() => sandboxAccounts([`${ac1}:t`], [`${ac2}:${sk}:s`]), /no --account defines/);
});
