// Twilio Messaging (SMS and MMS) through the hub and the Twilio sandbox: sender profiles, status
// callbacks signed as Twilio signs them, MMS, opt-outs by error 21610, inbound with TwiML.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { createTwilioSandbox, type TwilioSandbox } from '../src/sandboxes/twilio/server.js';
import { twilioSignature } from '../src/providers/twilio/signature.js';
import { eventually, startHub, type TestHub } from './helpers.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token';
const KEY = { sid: 'SK0123456789abcdef0123456789abcdef', secret: 'twilio-key-secret' };
const FROM = '+12025551000';
const SERVICE = 'MG0123456789abcdef0123456789abcdef';
const statuses = (events: any[]) => events.map((e) => e.properties.status);

describe('Twilio Messaging end to end', () => {
  let t: TestHub;
  let sandbox: TwilioSandbox;
  let pid: string;
  let integration: any;

  before(async () => {
    sandbox = createTwilioSandbox({ accounts: [{ accountSid: ACCOUNT, authToken: AUTH_TOKEN, apiKeys: [KEY] }], delays: { sentMs: 20, finalMs: 60 }, retryBaseMs: 50 });
    await sandbox.listen(0, '127.0.0.1');
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Twilio shop' })).body.id;
    const res = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'twilio',
      config: { account_sid: ACCOUNT, base_url: sandbox.url },
      secrets: { auth_token: AUTH_TOKEN, api_key_sid: KEY.sid, api_key_secret: KEY.secret },
      rate_limit: null,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    integration = res.body;
    for (const channel of ['sms', 'mms']) {
      const p = await t.api.post(`/api/v1/projects/${pid}/sender-profiles`, { channel, integration_id: integration.id, sender: FROM, is_default: true, name: `Main ${channel}` });
      assert.equal(p.status, 201, JSON.stringify(p.body));
    }
  });
  after(async () => {
    await t.close();
    await sandbox.close();
  });

  const send = (body: Record<string, unknown>) => t.api.post(`/api/v1/projects/${pid}/messages`, body);
  const eventsOf = (id: string, until: (e: any[]) => boolean) =>
    eventually(async () => {
      const r = await t.api.get(`/api/v1/projects/${pid}/events?message_id=${id}`);
      return until(r.body.data) ? r.body.data : undefined;
    }, 10_000, `events of ${id}`);
  const created = (id: string) => {
    const m = sandbox.messages.find((x) => String(x.params.StatusCallback ?? '').includes(id));
    assert.ok(m, 'the sandbox got the message');
    return m;
  };

  test('integration fields are validated and secrets stay write-only', async () => {
    const bad = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'twilio',
      config: { account_sid: 'AC123' },
      secrets: { auth_token: 'x', api_key_sid: KEY.sid, api_key_secret: 'y' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'config.account_sid');
    const badKey = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'twilio',
      config: { account_sid: ACCOUNT },
      secrets: { auth_token: 'x', api_key_sid: 'AK123', api_key_secret: 'y' },
    });
    assert.equal(badKey.body.error.field, 'secrets.api_key_sid');
    assert.deepEqual(integration.secrets_set.sort(), ['api_key_secret', 'api_key_sid', 'auth_token']);
    assert.ok(!JSON.stringify(integration).includes(AUTH_TOKEN));
    assert.deepEqual(Object.keys(integration.webhook_urls).sort(), ['inbound', 'status']);
  });

  test('an SMS through the default sender profile: enqueued → sent → delivered, parts from num_segments', async () => {
    const text = 'Twilio test '.repeat(20);
    const res = await send({ phone: '+12025550100', body: text });
    assert.equal(res.status, 202);
    assert.equal(res.body.sender, FROM);
    const events = await eventsOf(res.body.id, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    const m = created(res.body.id);
    assert.equal(m.params.From, FROM);
    assert.equal(m.params.To, '+12025550100');
    assert.equal(m.params.StatusCallback, `${integration.webhook_urls.status}?message_id=${res.body.id}`);
    for (const e of events) {
      assert.equal(e.properties.action_type, 'sms');
      assert.equal(e.properties.channel, 'sms');
      assert.equal(e.properties.number_of_message_parts, Number(m.resource.num_segments));
      assert.equal(e.properties.provider_message_id, m.resource.sid);
    }
    assert.equal(events[0].properties.number_of_message_parts, 2);
    const auth = sandbox.requests.find((r) => r.method === 'POST' && r.body?.includes(encodeURIComponent(res.body.id)))!.headers.authorization as string;
    assert.equal(auth, `Basic ${Buffer.from(`${KEY.sid}:${KEY.secret}`).toString('base64')}`, 'API key auth');
  });

  test('undelivered becomes failed and failed becomes rejected, with the error code and title', async () => {
    const undelivered = await send({ phone: '+12025553003', body: 'x' });
    const e1 = await eventsOf(undelivered.body.id, (e) => e.some((x) => x.properties.status === 'failed'));
    const failed = e1.find((x: any) => x.properties.status === 'failed');
    assert.equal(failed.properties.status_code, 30003);
    assert.equal(failed.properties.error, '30003');
    assert.match(failed.properties.comment, /unreachable/i);
    const rejected = await send({ phone: '+12025553007', body: 'x' });
    const e2 = await eventsOf(rejected.body.id, (e) => e.some((x) => x.properties.status === 'rejected'));
    assert.equal(e2.find((x: any) => x.properties.status === 'rejected').properties.error, '30007');
  });

  test('an MMS with media is action_type sms, told apart by its channel', async () => {
    const res = await send({ phone: '+12025550101', channel: 'mms', body: 'Look!', media_urls: ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.png'] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const events = await eventsOf(res.body.id, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    assert.ok(events.every((e: any) => e.properties.action_type === 'sms' && e.properties.channel === 'mms'));
    const m = created(res.body.id);
    assert.deepEqual(m.params.MediaUrl, ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.png']);
    assert.match(m.resource.sid, /^MM/);
  });

  test('a Messaging Service sender profile sends with MessagingServiceSid', async () => {
    const profile = await t.api.post(`/api/v1/projects/${pid}/sender-profiles`, { channel: 'sms', integration_id: integration.id, sender: SERVICE, name: 'Service' });
    const res = await send({ phone: '+12025550102', body: 'via service', sender_profile_id: profile.body.id });
    await eventsOf(res.body.id, (e) => e.length >= 1);
    const m = created(res.body.id);
    assert.equal(m.params.MessagingServiceSid, SERVICE);
    assert.equal(m.params.From, undefined);
  });

  test('error 21610 is enqueue_failed and records the opt-out', async () => {
    await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'stopper', phone: '+12025551610' });
    const res = await send({ customer_id: 'stopper', body: 'promo' });
    const events = await eventsOf(res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueue_failed');
    assert.equal(events[0].properties.status_code, 400);
    assert.equal(events[0].properties.error, '21610');
    const consent = await t.api.get(`/api/v1/projects/${pid}/customers/stopper/consent`);
    assert.equal(consent.body.channels.sms.opted_out, true);
    assert.equal(consent.body.history[0].source, 'provider_error');
    assert.equal((await send({ customer_id: 'stopper', body: 'again' })).status, 409);
  });

  test('an invalid number refused by Twilio (21211) is enqueue_failed', async () => {
    const res = await send({ phone: '+15005550001', body: 'x' });
    const events = await eventsOf(res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.error, '21211');
  });

  test('429 once is retried, then delivered', async () => {
    const res = await send({ phone: '+12025550429', body: 'busy' });
    const events = await eventsOf(res.body.id, (e) => e.some((x) => x.properties.status === 'delivered'));
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
  });

  test('inbound SMS and MMS become incoming_message events, answered with empty TwiML', async () => {
    const sms = await sandbox.injectInbound({ accountSid: ACCOUNT, from: '+12025557777', to: FROM, body: 'Hello there', url: integration.webhook_urls.inbound });
    assert.equal(sms.status, 200);
    assert.match(sms.body ?? '', /^<\?xml version="1.0" encoding="UTF-8"\?><Response><\/Response>$/);
    await sandbox.injectInbound({
      accountSid: ACCOUNT,
      from: '+12025557777',
      to: FROM,
      body: 'Photo',
      media: [{ url: 'https://api.twilio.example/media/ME1', contentType: 'image/jpeg' }],
      url: integration.webhook_urls.inbound,
    });
    const events = await eventually(async () => {
      const r = await t.api.get(`/api/v1/projects/${pid}/customers/%2B12025557777/events`);
      return r.status === 200 && r.body.data.length >= 2 ? r.body.data : undefined;
    });
    assert.equal(events[0].properties.message, 'Hello there');
    assert.equal(events[0].properties.channel, 'sms');
    assert.equal(events[1].properties.channel, 'mms');
    assert.deepEqual(events[1].properties.media, [{ url: 'https://api.twilio.example/media/ME1', content_type: 'image/jpeg' }]);
  });

  test('a forged or missing signature gets 403 and changes nothing; a replay changes nothing', async () => {
    const url = `${integration.webhook_urls.status}?message_id=msg_forged`;
    const params = { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered', To: '+12025550100', From: FROM, AccountSid: ACCOUNT };
    const body = new URLSearchParams(params).toString();
    const post = async (signature?: string) => {
      const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) }, body });
      await res.body.dump();
      return res.statusCode;
    };
    const callbacks = async () => (await t.hub.db.selectFrom('callbacks').select('id').where('integration_id', '=', integration.id).execute()).length;
    const before = await callbacks();
    assert.equal(await post(), 403);
    assert.equal(await post(twilioSignature('wrong-token', url, params)), 403);
    assert.equal(await callbacks(), before);
    const good = twilioSignature(AUTH_TOKEN, url, params);
    assert.equal(await post(good), 200);
    assert.equal(await post(good), 200, 'a replay is acknowledged');
    assert.equal(await callbacks(), before + 1, 'but stored once');
  });
});
