// WhatsApp and RCS through the Sinch Conversation API sandbox, end to end: OAuth2 tokens, every
// content kind, delivery and read reports, refusals, inbound messages and opt-outs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { createSinchConversationSandbox, type SandboxApp, type SinchConversationSandbox } from '../src/sandboxes/sinch-conversation/server.js';
import { signSinchCallback } from '../src/providers/sinch-signature.js';
import { eventually, startHub, type TestHub } from './helpers.js';

const statuses = (events: any[]) => events.map((e) => e.properties.status);

describe('Sinch Conversation API (WhatsApp, RCS) end to end', () => {
  let t: TestHub;
  let sandbox: SinchConversationSandbox;
  let pid: string;
  let integration: any;
  const app: SandboxApp = {
    appId: 'app-1',
    channels: ['WHATSAPP', 'RCS'],
    webhookSecret: 'wh-secret',
    templates: [{ id: 'order_update', language_code: 'en_US' }, { id: 'omni-42' }],
  };
  const rcsOnly: SandboxApp = { appId: 'app-rcs', channels: ['RCS'], webhookSecret: 'wh-secret' };

  before(async () => {
    sandbox = createSinchConversationSandbox({
      projects: [{ projectId: 'proj-1', accessKey: 'key-1', accessSecret: 'secret-1', apps: [app, rcsOnly] }],
      delays: { queuedMs: 20, deliveredMs: 50, readMs: 80 },
      retryBaseMs: 50,
    });
    await sandbox.listen(0, '127.0.0.1');
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Chat' })).body.id;
    const config = { project_id: 'proj-1', app_id: 'app-1', region: 'eu', base_url: sandbox.url, auth_url: `${sandbox.url}/oauth2/token` };
    const res = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_conversation',
      name: 'Sinch WhatsApp+RCS',
      config,
      secrets: { access_key: 'key-1', access_secret: 'secret-1', webhook_signing_secret: 'wh-secret' },
      rate_limit: null,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    integration = res.body;
    // The callback URL the integration shows is what one sets up on the Sinch side.
    app.webhookUrl = integration.webhook_urls.callbacks;
    const settings = await t.api.put(`/api/v1/projects/${pid}/settings`, { default_whatsapp_integration_id: integration.id, default_rcs_integration_id: integration.id });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
  });
  after(async () => {
    await t.close();
    await sandbox.close();
  });

  const send = (body: Record<string, unknown>) => t.api.post(`/api/v1/projects/${pid}/messages`, body);
  const eventsOf = (messageId: string, until: (e: any[]) => boolean) =>
    eventually(async () => {
      const res = await t.api.get(`/api/v1/projects/${pid}/events?message_id=${messageId}`);
      return until(res.body.data) ? res.body.data : undefined;
    }, 10_000, `events of ${messageId}`);
  const sentRequest = (messageId: string) => {
    const m = sandbox.messages.find((x) => x.body.includes(messageId));
    assert.ok(m, 'the sandbox received the message');
    return JSON.parse(m.body);
  };

  test('the integration shows its callback URL, and no secret', () => {
    assert.match(integration.webhook_urls.callbacks, new RegExp(`/webhooks/${integration.id}/[^/]+/callbacks$`));
    assert.deepEqual(integration.channels, ['whatsapp', 'rcs']);
    assert.ok(!JSON.stringify(integration).includes('secret-1'));
  });

  test('a WhatsApp text goes enqueued → sent → delivered → read', async () => {
    const res = await send({ phone: '+447911123456', channel: 'whatsapp', body: 'Your order shipped' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const events = await eventsOf(res.body.id, (e) => e.length >= 4);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered', 'read']);
    for (const e of events) {
      assert.equal(e.properties.action_type, 'whatsapp');
      assert.equal(e.properties.message_type, 'transactional');
      assert.equal(e.properties.recipient, '+447911123456');
      assert.equal(e.properties.campaign_id, null);
      assert.equal(typeof e.properties.sent_timestamp, 'number');
    }
    const body = sentRequest(res.body.id);
    assert.equal(body.app_id, 'app-1');
    assert.deepEqual(body.recipient.identified_by.channel_identities, [{ channel: 'WHATSAPP', identity: '447911123456' }]);
    assert.deepEqual(body.message, { text_message: { text: 'Your order shipped' } });
    assert.deepEqual(body.channel_priority_order, ['WHATSAPP']);
  });

  const contents: [string, 'whatsapp' | 'rcs', Record<string, unknown>, Record<string, unknown>][] = [
    ['media', 'whatsapp', { type: 'media', url: 'https://cdn.example.com/receipt.pdf' }, { media_message: { url: 'https://cdn.example.com/receipt.pdf' } }],
    [
      'WhatsApp channel template',
      'whatsapp',
      { type: 'template', scope: 'channel', template_id: 'order_update', language_code: 'en_US', parameters: { name: 'Ada' } },
      { template_message: { channel_template: { WHATSAPP: { template_id: 'order_update', language_code: 'en_US', parameters: { name: 'Ada' } } } } },
    ],
    [
      'omni template',
      'rcs',
      { type: 'template', scope: 'omni', template_id: 'omni-42', version: '3' },
      { template_message: { omni_template: { template_id: 'omni-42', version: '3' } } },
    ],
  ];
  for (const [what, channel, content, expected] of contents) {
    test(`${what} on ${channel} is sent as the Conversation API expects, and read`, async () => {
      const res = await send({ phone: '+447911123457', channel, content });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const events = await eventsOf(res.body.id, (e) => e.some((x) => x.properties.status === 'read'));
      assert.equal(events[0].properties.action_type, channel);
      const body = sentRequest(res.body.id);
      assert.deepEqual(body.message, expected);
    });
  }

  test('an RCS card with choices', async () => {
    const res = await send({ phone: '+447911123458', channel: 'rcs', content: { type: 'card', title: 'Rate us', description: 'How did we do?', choices: [{ text: 'Great' }, { text: 'Meh' }] } });
    await eventsOf(res.body.id, (e) => e.some((x) => x.properties.status === 'read'));
    const card = sentRequest(res.body.id).message.card_message;
    assert.equal(card.title, 'Rate us');
    assert.equal(card.choices.length, 2);
  });

  const failures: [string, string, string][] = [
    ['0002', 'failed', 'RECIPIENT_NOT_REACHABLE'],
    ['0003', 'rejected', 'DELIVERY_REJECTED_DUE_TO_POLICY'],
    ['0005', 'rejected', 'RECIPIENT_NOT_OPTED_IN'],
  ];
  for (const [last4, status, reason] of failures) {
    test(`FAILED ${reason} becomes ${status} with the reason code as error`, async () => {
      const res = await send({ phone: `+44791112${last4}`, channel: 'whatsapp', body: 'hi' });
      const events = await eventsOf(res.body.id, (e) => e.some((x) => x.properties.status === status));
      const final = events.find((e: any) => e.properties.status === status);
      assert.equal(final.properties.error, reason);
      assert.equal(typeof final.properties.comment, 'string');
    });
  }

  test('SWITCHING_CHANNEL is recorded without a status', async () => {
    const res = await send({ phone: '+447911120010', channel: 'whatsapp', body: 'hi' });
    const events = await eventsOf(res.body.id, (e) => e.some((x) => x.properties.status === 'failed'));
    assert.deepEqual(statuses(events), ['enqueued', 'failed']);
    const callbacks = await t.hub.db.selectFrom('callbacks').select(['outcome', 'body']).where('integration_id', '=', integration.id).execute();
    assert.ok(callbacks.some((r) => Buffer.from(r.body).toString().includes('SWITCHING_CHANNEL') && r.outcome === 'ignored'));
  });

  test('a refused request is enqueued_failed (the Conversation spelling) with status, code and text', async () => {
    const rcs = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_conversation',
      config: { project_id: 'proj-1', app_id: 'app-rcs', base_url: sandbox.url, auth_url: `${sandbox.url}/oauth2/token` },
      secrets: { access_key: 'key-1', access_secret: 'secret-1' },
    });
    const res = await send({ phone: '+447911123459', channel: 'whatsapp', body: 'x', integration_id: rcs.body.id });
    const events = await eventsOf(res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueued_failed');
    assert.equal(events[0].properties.status_code, 400);
    assert.equal(events[0].properties.error, 'INVALID_ARGUMENT');
    assert.equal(typeof events[0].properties.comment, 'string');
  });

  test('one OAuth2 token serves many concurrent sends', async () => {
    const before = sandbox.tokensIssued.length;
    const sends = await Promise.all(Array.from({ length: 10 }, (_, i) => send({ phone: `+4479111235${String(10 + i)}`, channel: 'rcs', body: `n${i}` })));
    await Promise.all(sends.map((s) => eventsOf(s.body.id, (e) => e.length >= 1)));
    assert.ok(sandbox.tokensIssued.length - before <= 1, `${sandbox.tokensIssued.length - before} tokens`);
  });

  test('a revoked token is refreshed once and the send goes through', async () => {
    sandbox.revokeTokens();
    const before = sandbox.tokensIssued.length;
    const res = await send({ phone: '+447911123470', channel: 'whatsapp', body: 'after rotation' });
    const events = await eventsOf(res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueued');
    assert.equal(sandbox.tokensIssued.length - before, 1);
  });

  test('inbound WhatsApp text and media become incoming_message events on a profile found or created by phone', async () => {
    await sandbox.injectInbound({ appId: 'app-1', channel: 'WHATSAPP', from: '447911129999', text: 'Where is my order?' });
    await sandbox.injectInbound({ appId: 'app-1', channel: 'RCS', from: '447911129999', mediaUrl: 'https://media.example.com/photo.jpg' });
    const events = await eventually(async () => {
      const r = await t.api.get(`/api/v1/projects/${pid}/customers/%2B447911129999/events`);
      return r.status === 200 && r.body.data.length >= 2 ? r.body.data : undefined;
    });
    assert.equal(events[0].properties.status, 'incoming_message');
    assert.equal(events[0].properties.action_type, 'whatsapp');
    assert.equal(events[0].properties.message, 'Where is my order?');
    assert.equal(events[1].properties.action_type, 'rcs');
    assert.equal(events[1].properties.media[0].url, 'https://media.example.com/photo.jpg');
  });

  test('an opt-out notification records consent and later sends are refused', async () => {
    await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'wa-fan', phone: '+447911128888' });
    const r = await sandbox.injectConsent({ appId: 'app-1', channel: 'WHATSAPP', identity: '447911128888', optedOut: true });
    assert.equal(r.status, 200);
    const consent = await eventually(async () => {
      const c = await t.api.get(`/api/v1/projects/${pid}/customers/wa-fan/consent`);
      return c.body.channels.whatsapp?.opted_out ? c.body : undefined;
    });
    assert.equal(consent.history[0].source, 'provider_notification');
    const refused = await send({ customer_id: 'wa-fan', channel: 'whatsapp', body: 'promo' });
    assert.equal(refused.status, 409);
    assert.equal((await send({ customer_id: 'wa-fan', channel: 'rcs', body: 'still fine on RCS' })).status, 202);
  });

  test('forged, unsigned and replayed callbacks are rejected', async () => {
    const url = integration.webhook_urls.callbacks;
    const body = JSON.stringify({ app_id: 'app-1', project_id: 'proj-1', message_delivery_report: { message_id: 'x', status: 'DELIVERED' } });
    const post = async (headers: Record<string, string>) => {
      const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await res.body.dump();
      return res.statusCode;
    };
    assert.equal(await post({}), 403);
    assert.equal(await post(signSinchCallback('not-the-secret', body)), 403);
    assert.equal(await post(signSinchCallback('wh-secret', body, Date.now() - 6 * 60 * 1000)), 403);
    const signed = signSinchCallback('wh-secret', body);
    assert.equal(await post(signed), 200);
    assert.equal(await post(signed), 409);
  });

  test('WhatsApp without a default or named integration is a clear 409', async () => {
    const other = (await t.api.post('/api/v1/projects', { name: 'No WA' })).body.id;
    const res = await t.api.post(`/api/v1/projects/${other}/messages`, { phone: '+447911123456', channel: 'whatsapp', body: 'x' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'no_default_provider');
  });

  test('content that does not fit the channel is a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ channel: 'whatsapp' }, 'content'],
      [{ channel: 'whatsapp', body: 'x', content: { type: 'text', text: 'y' } }, 'body'],
      [{ channel: 'sms', content: { type: 'text', text: 'y' } }, 'content'],
      [{ channel: 'rcs', media_urls: ['https://a.io/x.png'], body: 'x' }, 'media_urls'],
      [{ channel: 'whatsapp', content: { type: 'template', scope: 'galaxy', template_id: 'x' } }, 'content'],
    ];
    for (const [body, field] of cases) {
      const res = await send({ phone: '+447911123456', ...body });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(res.body.error.field.startsWith(field), `${res.body.error.field} names ${field}`);
    }
  });
});
