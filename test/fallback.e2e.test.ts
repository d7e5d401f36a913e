// Channel fallback end to end (docs/fallback.md): WhatsApp and RCS through the Conversation API
// sandbox, SMS through the Sinch SMS sandbox, one hub. A recipient the sandbox reports as not on
// the channel gets the next channel's message, with its own events; a delivered message never
// falls back; a duplicated failure makes one fallback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { signSinchCallback } from '../src/providers/sinch-signature.js';
import { createSinchConversationSandbox, type SandboxApp, type SinchConversationSandbox } from '../src/sandboxes/sinch-conversation/server.js';
import { eventually } from './helpers.js';
import { messageEvents, sinchWorld, statuses, type SinchWorld } from './fixtures.js';

// Conversation sandbox test numbers (its README): 0021 is not on the channel (FAILED
// RECIPIENT_INVALID_CHANNEL_IDENTITY), 0022 the same after QUEUED_ON_CHANNEL with every report
// twice, 0006 delivered. The Sinch SMS sandbox delivers every one of them (none is in its table).
const NUMBER = (last4: string) => `+44791112${last4}`;

describe('channel fallback end to end', () => {
  let w: SinchWorld;
  let conversation: SinchConversationSandbox;
  let conv: any;
  const app: SandboxApp = { appId: 'app-1', channels: ['WHATSAPP', 'RCS'], webhookSecret: 'wh-secret', templates: [{ id: 'order_update', language_code: 'en_US' }] };

  before(async () => {
    conversation = createSinchConversationSandbox({
      projects: [{ projectId: 'proj-1', accessKey: 'key-1', accessSecret: 'secret-1', apps: [app] }],
      delays: { queuedMs: 20, deliveredMs: 50, readMs: 80 },
      retryBaseMs: 50,
    });
    await conversation.listen(0, '127.0.0.1');
    w = await sinchWorld();
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_conversation',
      name: 'Sinch WhatsApp+RCS',
      config: { project_id: 'proj-1', app_id: 'app-1', region: 'eu', base_url: conversation.url, auth_url: `${conversation.url}/oauth2/token` },
      secrets: { access_key: 'key-1', access_secret: 'secret-1', webhook_signing_secret: 'wh-secret' },
      rate_limit: null,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    conv = res.body;
    app.webhookUrl = conv.webhook_urls.callbacks;
    const settings = await w.t.api.put(`/api/v1/projects/${w.projectId}/settings`, { default_whatsapp_integration_id: conv.id, default_rcs_integration_id: conv.id });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
  });
  after(async () => {
    await w.close();
    await conversation.close();
  });

  const api = () => w.t.api;
  const send = (body: Record<string, unknown>) => api().post(`/api/v1/projects/${w.projectId}/messages`, body);
  const getMessage = async (id: string) => (await api().get(`/api/v1/projects/${w.projectId}/messages/${id}`)).body;
  const fallbackOf = (id: string) =>
    eventually(async () => {
      const m = await getMessage(id);
      return m.fallback_message_id ?? undefined;
    }, 10_000, `the fallback of ${id}`);
  /** Waits until every stored callback is processed. */
  const settled = () => eventually(async () => ((await w.t.hub.processor.pending()) === 0 ? true : undefined));

  test('WhatsApp to a number not on WhatsApp falls back to SMS, which is delivered; each message has its own events', async () => {
    await api().post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'fb-1', phone: NUMBER('0021') });
    const res = await send({ customer_id: 'fb-1', channel: 'whatsapp', body: 'Your code is 1234', fallback_channels: ['sms'] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual([res.body.fallback_channels, res.body.fallback_of], [['sms'], null]);
    const wa = res.body.id as string;

    const smsId = await fallbackOf(wa);
    const smsEvents = await messageEvents(w, smsId, (e) => e.length >= 3);
    assert.deepEqual(statuses(smsEvents), ['enqueued', 'sent', 'delivered']);
    for (const e of smsEvents) {
      assert.deepEqual([e.properties.action_type, e.properties.channel, e.properties.message_id, e.properties.integration_id], ['sms', 'sms', smsId, w.integrationId]);
      assert.deepEqual([e.customer_id, e.properties.recipient, e.properties.message_type], ['fb-1', NUMBER('0021'), 'transactional']);
    }
    // The first message's failure stays as it was recorded.
    const waEvents = await messageEvents(w, wa, (e) => e.length >= 2);
    assert.deepEqual(statuses(waEvents), ['enqueued', 'rejected']);
    assert.deepEqual([waEvents[1].properties.action_type, waEvents[1].properties.error], ['whatsapp', 'RECIPIENT_INVALID_CHANNEL_IDENTITY']);

    const sms = await getMessage(smsId);
    assert.deepEqual([sms.channel, sms.fallback_of, sms.body, sms.status, sms.fallback_channels, sms.fallback_message_id], ['sms', wa, 'Your code is 1234', 'delivered', [], null]);
    const batch = w.sandbox.batches.find((b) => b.batch.client_reference === smsId);
    assert.equal(batch?.batch.body, 'Your code is 1234');
    const first = await getMessage(wa);
    assert.deepEqual([first.status, first.fallback_message_id], ['rejected', smsId]);
  });

  test('WhatsApp → RCS → SMS: each channel the number is not on passes to the next', async () => {
    const res = await send({ phone: NUMBER('0021'), channel: 'whatsapp', template: 'Hi {{ customer.customer_id }}', fallback_channels: ['rcs', { channel: 'sms', integration_id: w.integrationId }] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const rcsId = await fallbackOf(res.body.id);
    const rcs = await getMessage(rcsId);
    assert.deepEqual([rcs.channel, rcs.integration_id, rcs.fallback_channels], ['rcs', conv.id, ['sms']]);
    assert.deepEqual(statuses(await messageEvents(w, rcsId, (e) => e.length >= 2)), ['enqueued', 'rejected']);
    const smsId = await fallbackOf(rcsId);
    const events = await messageEvents(w, smsId, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    // The text as rendered for the recipient.
    assert.equal((await getMessage(smsId)).body, rcs.body);
    assert.match(rcs.body, /^Hi /);
  });

  test('a duplicated failure report makes one fallback', async () => {
    const res = await send({ phone: NUMBER('0022'), channel: 'whatsapp', body: 'Once only', fallback_channels: ['rcs', 'sms'] });
    const wa = res.body.id as string;
    const rcsId = await fallbackOf(wa);
    await conversation.idle();
    await settled();
    const waEvents = await messageEvents(w, wa, (e) => e.length >= 3);
    assert.deepEqual(statuses(waEvents), ['enqueued', 'sent', 'rejected']);
    const all = await api().get(`/api/v1/projects/${w.projectId}/messages?recipient=${encodeURIComponent(NUMBER('0022'))}`);
    const fallbacksOfWa = all.body.data.filter((m: any) => m.fallback_of === wa);
    assert.deepEqual(fallbacksOfWa.map((m: any) => m.id), [rcsId]);
    // The RCS fallback failed the same way (twice too): one SMS after it.
    const smsId = await fallbackOf(rcsId);
    await messageEvents(w, smsId, (e) => e.length >= 3);
    await conversation.idle();
    await settled();
    const again = await api().get(`/api/v1/projects/${w.projectId}/messages?recipient=${encodeURIComponent(NUMBER('0022'))}`);
    assert.deepEqual(again.body.data.map((m: any) => m.channel).sort(), ['rcs', 'sms', 'whatsapp']);
  });

  test('a delivered WhatsApp message never falls back, even when a failure report comes late', async () => {
    const res = await send({ phone: NUMBER('0006'), channel: 'whatsapp', body: 'Delivered', fallback_channels: ['sms'] });
    const wa = res.body.id as string;
    await messageEvents(w, wa, (e) => e.some((x) => x.properties.status === 'delivered'));
    const m = await getMessage(wa);
    const body = JSON.stringify({
      app_id: 'app-1',
      project_id: 'proj-1',
      correlation_id: wa,
      event_time: new Date().toISOString(),
      message_delivery_report: {
        message_id: m.provider_message_id,
        status: 'FAILED',
        channel_identity: { channel: 'WHATSAPP', identity: NUMBER('0006').slice(1) },
        reason: { code: 'RECIPIENT_INVALID_CHANNEL_IDENTITY', description: 'late' },
      },
    });
    const post = await request(conv.webhook_urls.callbacks, { method: 'POST', headers: { 'content-type': 'application/json', ...signSinchCallback('wh-secret', body) }, body });
    await post.body.dump();
    assert.equal(post.statusCode, 200);
    await settled();
    // The report did reach the message: the first final status stood against it.
    const late = await w.t.hub.db.selectFrom('callbacks').select('outcome').where('body', '=', Buffer.from(body)).executeTakeFirstOrThrow();
    assert.equal(late.outcome, 'conflict');
    const after = await getMessage(wa);
    assert.deepEqual([after.status, after.fallback_message_id], ['delivered', null]);
    assert.deepEqual(statuses(after.events), ['enqueued', 'sent', 'delivered']);
  });

  test('a fallback honours the customer\'s consent on its own channel, and says why it did not go', async () => {
    await api().post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'fb-no-sms', phone: '+447911130021' });
    const opt = await api().post(`/api/v1/projects/${w.projectId}/customers/fb-no-sms/consent`, { channel: 'sms', opted_out: true });
    assert.equal(opt.status, 200, JSON.stringify(opt.body));
    const res = await send({ customer_id: 'fb-no-sms', channel: 'whatsapp', body: 'Not by SMS', fallback_channels: ['sms'] });
    const wa = res.body.id as string;
    const m = await eventually(async () => {
      const x = await getMessage(wa);
      return x.status === 'rejected' ? x : undefined;
    });
    assert.deepEqual([m.fallback_message_id, m.fallback_skipped], [null, [{ channel: 'sms', reason: 'opted_out' }]]);
  });

  test('fallback_channels that could never be sent are refused with the request, naming the field', async () => {
    const other = (await api().post('/api/v1/projects', { name: 'SMS only' })).body.id;
    const cases: [string, Record<string, unknown>, number, string][] = [
      ['its own channel', { channel: 'whatsapp', body: 'x', fallback_channels: ['whatsapp'] }, 400, 'fallback_channels[0]'],
      ['twice', { channel: 'whatsapp', body: 'x', fallback_channels: ['sms', 'sms'] }, 400, 'fallback_channels[1]'],
      ['not a text channel', { channel: 'whatsapp', body: 'x', fallback_channels: ['mms'] }, 400, 'fallback_channels'],
      ['an integration that does not send the channel', { channel: 'whatsapp', body: 'x', fallback_channels: [{ channel: 'sms', integration_id: conv.id }] }, 400, 'fallback_channels[0].integration_id'],
      ['an unknown integration', { channel: 'whatsapp', body: 'x', fallback_channels: [{ channel: 'sms', integration_id: 'int_nope' }] }, 404, 'fallback_channels[0].integration_id'],
      ['a template without text for the fallback', { channel: 'whatsapp', content: { type: 'template', scope: 'channel', template_id: 'order_update', language_code: 'en_US' }, fallback_channels: ['sms'] }, 400, 'fallback_body'],
      ['fallback_body without fallbacks', { channel: 'whatsapp', body: 'x', fallback_body: 'y' }, 400, 'fallback_body'],
    ];
    for (const [name, body, status, field] of cases) {
      const res = await send({ phone: NUMBER('0100'), ...body });
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.ok(String(res.body.error.field ?? res.body.error.message).includes(field), `${name}: ${JSON.stringify(res.body.error)}`);
    }
    // A project with no WhatsApp integration cannot fall back to WhatsApp.
    const smsOnly = await api().post(`/api/v1/projects/${other}/integrations`, {
      provider: 'sinch_sms',
      name: 'Sinch SMS',
      config: { service_plan_id: 'plan1', region: 'us', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
      rate_limit: null,
    });
    assert.equal(smsOnly.status, 201, JSON.stringify(smsOnly.body));
    const settings = await api().put(`/api/v1/projects/${other}/settings`, { default_sms_integration_id: smsOnly.body.id });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    const res = await api().post(`/api/v1/projects/${other}/messages`, { phone: NUMBER('0100'), channel: 'sms', body: 'x', fallback_channels: ['whatsapp'] });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.deepEqual([res.body.error.code, res.body.error.field], ['no_default_provider', 'fallback_channels[0]']);
    // With fallback_body, a template message may fall back: the SMS sends that text.
    const ok = await send({ phone: NUMBER('0100'), channel: 'whatsapp', content: { type: 'template', scope: 'channel', template_id: 'order_update', language_code: 'en_US' }, fallback_channels: ['sms'], fallback_body: 'Your order shipped' });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });

  test('a campaign falls back per recipient: the fallback body rendered for each, its events in the campaign, a reachable recipient untouched', async () => {
    for (const [id, last4] of [['cf-1', '0021'], ['cf-2', '0006']] as const) {
      const c = await api().post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: id, phone: NUMBER(last4), attributes: { first_name: id === 'cf-1' ? 'Ada' : 'Grace' } });
      assert.ok(c.status === 201 || c.status === 200, JSON.stringify(c.body));
    }
    const campaigns = `/api/v1/projects/${w.projectId}/campaigns`;
    const created = await api().post(campaigns, {
      name: 'Fallback campaign',
      channel: 'whatsapp',
      body: 'Hi {{ customer.first_name }}, on WhatsApp',
      audience: { customer_ids: ['cf-1', 'cf-2'] },
      fallback_channels: ['sms'],
      fallback_body: 'Hi {{ customer.first_name }}, by SMS',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.fallback_channels, created.body.fallback_body], [['sms'], 'Hi {{ customer.first_name }}, by SMS']);
    const launched = await api().post(`${campaigns}/${created.body.id}/launch`, {});
    assert.equal(launched.status, 200, JSON.stringify(launched.body));
    assert.equal(launched.body.launch_summary.queued, 2);

    const list = async () => (await api().get(`/api/v1/projects/${w.projectId}/messages?campaign_id=${created.body.id}`)).body.data as any[];
    const first = (await list()).find((m) => m.customer_id === 'cf-1');
    const smsId = await fallbackOf(first.id);
    const events = await messageEvents(w, smsId, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    for (const e of events) assert.deepEqual([e.properties.action_type, e.properties.campaign_id, e.properties.message_type], ['sms', created.body.id, 'campaign']);
    const sms = await getMessage(smsId);
    assert.deepEqual([sms.body, sms.fallback_of, sms.campaign_id], ['Hi Ada, by SMS', first.id, created.body.id]);

    // Grace is on WhatsApp: delivered there, and nothing else goes to her.
    await conversation.idle();
    await settled();
    const mine = (await list()).filter((m) => m.customer_id === 'cf-2');
    assert.deepEqual(mine.map((m) => [m.channel, m.status, m.fallback_message_id]), [['whatsapp', mine[0].status, null]]);
    assert.ok(['delivered', 'read'].includes(mine[0].status), mine[0].status);
  });

  test('campaign fallbacks are checked at create and edit like a send\'s, naming the field; null removes them', async () => {
    const campaigns = `/api/v1/projects/${w.projectId}/campaigns`;
    const base = { name: 'Checked', channel: 'whatsapp', body: 'Hello {{ customer.customer_id }}', audience: { customer_ids: ['cf-1'] } };
    const own = await api().post(campaigns, { ...base, fallback_channels: ['whatsapp'] });
    assert.deepEqual([own.status, own.body.error?.field], [400, 'fallback_channels[0]']);
    const badTemplate = await api().post(campaigns, { ...base, fallback_channels: ['sms'], fallback_body: 'Hi {{ customer.first_name' });
    assert.deepEqual([badTemplate.status, badTemplate.body.error?.field], [400, 'fallback_body']);
    const ok = await api().post(campaigns, { ...base, fallback_channels: ['rcs', 'sms'], fallback_body: 'By text' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    // Moving the campaign to SMS makes its SMS fallback its own channel: refused, nothing changed.
    const toSms = await api().patch(`${campaigns}/${ok.body.id}`, { channel: 'sms' });
    assert.deepEqual([toSms.status, toSms.body.error?.field], [400, 'fallback_channels[1]']);
    const cleared = await api().patch(`${campaigns}/${ok.body.id}`, { fallback_channels: null });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual([cleared.body.fallback_channels, cleared.body.fallback_body, cleared.body.channel], [[], null, 'whatsapp']);
  });
});
