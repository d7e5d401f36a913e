// API send → durable queue → CM.com sandbox → status reports (JSON and XML) → events, over real HTTP.
// The CM.com integration is the project's default SMS integration, set through the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { createCmSandbox, type CmSandbox } from '../src/sandboxes/cm/server.js';
import { eventually, startHub } from './helpers.js';
import { messageEvents, statuses, type SinchWorld } from './fixtures.js';

const NL = (last4: string) => `+3161234${last4}`;
const TOKEN = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const XML_TOKEN = '3f2504e0-4f89-41d3-9a0c-0305e82c3302';

interface CmWorld {
  t: Awaited<ReturnType<typeof startHub>>;
  sandbox: CmSandbox;
  projectId: string;
  integrationId: string;
  integration: any;
  xmlIntegration: any;
}

async function post(url: string, body: string, contentType = 'application/json'): Promise<number> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  await res.body.dump();
  return res.statusCode;
}

describe('CM.com end to end', () => {
  let w: CmWorld;
  const world = () => w as unknown as SinchWorld; // messageEvents only reads t and projectId

  before(async () => {
    const sandbox = createCmSandbox({ accounts: [{ token: TOKEN }, { token: XML_TOKEN, reportFormat: 'xml' }], delays: { acceptedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
    await sandbox.listen(0, '127.0.0.1');
    const t = await startHub();
    const project = await t.api.post('/api/v1/projects', { name: 'Acme NL' });
    const projectId = project.body.id as string;
    const create = async (name: string, token: string) => {
      const res = await t.api.post(`/api/v1/projects/${projectId}/integrations`, {
        provider: 'cm',
        name,
        config: { base_url: sandbox.url, default_sender: 'Acme' },
        secrets: { product_token: token },
        rate_limit: null,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    const integration = await create('CM.com', TOKEN);
    const xmlIntegration = await create('CM.com XML', XML_TOKEN);
    // What one sets in CM's Channels app: each account's status report and MO webhooks.
    sandbox.setAccountUrls(TOKEN, integration.webhook_urls);
    const settings = await t.api.put(`/api/v1/projects/${projectId}/settings`, { default_sms_integration_id: integration.id });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    w = { t, sandbox, projectId, integrationId: integration.id, integration, xmlIntegration };
  });
  after(async () => {
    await w.t.close();
    await w.sandbox.close();
  });

  const send = (body: Record<string, unknown>) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, body);

  test('the integration is listed as CM.com with its webhooks, and its token never comes back', async () => {
    const got = await w.t.api.get(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.provider, 'cm');
    assert.deepEqual(Object.keys(got.body.webhook_urls).sort(), ['inbound', 'status']);
    assert.ok(!JSON.stringify(got.body).includes(TOKEN));
    const settings = await w.t.api.get(`/api/v1/projects/${w.projectId}/settings`);
    assert.equal(settings.body.default_sms_integration_id, w.integrationId);
    // CM has no read that sends nothing (docs/providers/cm.md D.8).
    const before = w.sandbox.requests.length;
    const verify = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}/verify`);
    assert.equal(verify.status, 200);
    assert.deepEqual([verify.body.ok, verify.body.reason], [false, 'not_supported']);
    assert.equal(w.sandbox.requests.length, before, 'nothing reached CM');
  });

  test('a send through the default integration becomes enqueued, sent and delivered with the documented properties', async () => {
    await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'c-1', phone: '+31 6 1234 0100' });
    const res = await send({ customer_id: 'c-1', body: 'Uw code is 1234' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const id = res.body.id as string;
    const events = await messageEvents(world(), id, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    const reference = id.replace('_', '');
    for (const e of events) {
      const p = e.properties;
      assert.equal(e.customer_id, 'c-1');
      assert.equal(p.message_type, 'transactional');
      assert.equal(p.action_type, 'sms');
      assert.equal(p.recipient, '+31612340100');
      assert.equal(p.number_of_message_parts, 1);
      assert.equal(p.message_id, id);
      assert.equal(p.integration_id, w.integrationId);
      assert.equal(p.provider_message_id, reference);
      assert.equal(typeof p.sent_timestamp, 'number');
    }
    assert.equal(events[0].properties.status_code, undefined, 'an accepted request carries no provider code');
    assert.equal(events[1].properties.status_code, 0);
    assert.equal(events[2].properties.status_code, 2);
    assert.equal(events[2].properties.error, undefined);

    const req = w.sandbox.requests.find((r) => r.method === 'POST' && (r.body ?? '').includes(reference));
    assert.ok(req, 'the request reached the CM sandbox');
    assert.equal(req.url, '/v1.0/message');
    assert.equal(req.headers.authorization, undefined);
    const msg = JSON.parse(req.body ?? '').messages;
    assert.equal(msg.authentication.producttoken, TOKEN);
    assert.deepEqual(msg.msg[0].to, [{ number: '0031612340100' }]);
    assert.equal(msg.msg[0].from, 'Acme');
    assert.deepEqual(msg.msg[0].body, { type: 'auto', content: 'Uw code is 1234' });
    assert.equal(msg.msg[0].reference, reference);
  });

  const outcomes: [string, string, string, number, string][] = [
    ['0002', 'Failed', 'failed', 3, '5'],
    ['0003', 'Rejected by the operator', 'rejected', 1, '11'],
  ];
  for (const [last4, what, status, code, error] of outcomes) {
    test(`${what} becomes ${status} with status_code ${code} and error ${error}`, async () => {
      const res = await send({ phone: NL(last4), body: 'x' });
      const events = await messageEvents(world(), res.body.id, (e) => e.some((x) => x.properties.status === status));
      const final = events.find((e) => e.properties.status === status);
      assert.equal(final.properties.status_code, code);
      assert.equal(final.properties.error, error);
      assert.equal(typeof final.properties.comment, 'string');
      const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
      assert.equal(msg.body.status, status);
    });
  }

  test('a message CM refuses in its answer becomes enqueue_failed with the message code, not retried', async () => {
    const res = await send({ phone: NL('0004'), body: 'x' });
    const events = await messageEvents(world(), res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueue_failed');
    assert.equal(events[0].properties.status_code, 400);
    assert.equal(events[0].properties.error, '402');
    assert.match(events[0].properties.comment, /^BlackListed/);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.attempts, 1);
  });

  test('a wrong product token becomes enqueue_failed with 101 AuthenticationFailed and no retry', async () => {
    const bad = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'cm',
      config: { base_url: w.sandbox.url, default_sender: 'Acme' },
      secrets: { product_token: '99999999-9999-4999-8999-999999999999' },
    });
    const res = await send({ phone: NL('0200'), body: 'x', integration_id: bad.body.id });
    const events = await messageEvents(world(), res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueue_failed');
    assert.equal(events[0].properties.status_code, 401);
    assert.equal(events[0].properties.error, '101');
    assert.match(events[0].properties.comment, /^AuthenticationFailed/);
    assert.ok(!JSON.stringify(events).includes('99999999-9999-4999-8999-999999999999'), 'the token never shows up in an event');
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.attempts, 1);
  });

  test('an account problem (102 BalanceInsufficient) becomes enqueue_failed naming it, without retry', async () => {
    const res = await send({ phone: NL('0012'), body: 'x' });
    const events = await messageEvents(world(), res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueue_failed');
    assert.equal(events[0].properties.status_code, 402);
    assert.equal(events[0].properties.error, '102');
    assert.match(events[0].properties.comment, /^BalanceInsufficient/);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.attempts, 1);
  });

  test('429 and errorCode 999 are retries: enqueue_failed once the retry deadline has passed', async () => {
    const quick = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'cm',
      config: { base_url: w.sandbox.url, default_sender: 'Acme' },
      secrets: { product_token: TOKEN },
      retry_deadline_seconds: 1,
    });
    assert.equal(quick.status, 201, JSON.stringify(quick.body));
    // 0008's 429 asks to wait 1 s (Retry-After), which already passes the deadline: one attempt may be all.
    for (const [last4, statusCode, error, minAttempts] of [['0008', 429, '999', 1], ['0011', 500, '999', 2]] as const) {
      const res = await send({ phone: NL(last4), body: 'throttled', integration_id: quick.body.id });
      const events = await messageEvents(world(), res.body.id, (e) => e.length >= 1);
      assert.equal(events[0].properties.status, 'enqueue_failed');
      assert.equal(events[0].properties.status_code, statusCode);
      assert.equal(events[0].properties.error, error);
      const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
      assert.ok(msg.body.attempts >= minAttempts, `attempts ${msg.body.attempts}`);
    }
  });

  test('a product token that is not a GUID is a 400 naming the field', async () => {
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, { provider: 'cm', config: {}, secrets: { product_token: 'nope' } });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body), /product_token/);
    assert.ok(!JSON.stringify(res.body).includes('nope'));
  });

  test('5xx is retried: a number failing once with 503 is then delivered', async () => {
    const res = await send({ phone: NL('0010'), body: 'retry me' });
    const events = await messageEvents(world(), res.body.id, (e) => e.some((x) => x.properties.status === 'delivered'));
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.attempts, 2);
  });

  test('XML status reports are read like JSON ones', async () => {
    w.sandbox.setAccountUrls(XML_TOKEN, w.xmlIntegration.webhook_urls);
    const res = await send({ phone: NL('0002'), body: 'xml please', integration_id: w.xmlIntegration.id });
    const events = await messageEvents(world(), res.body.id, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'failed']);
    assert.equal(events[2].properties.status_code, 3);
    assert.equal(events[2].properties.error, '5');
    assert.ok(w.sandbox.callbacks.some((c) => c.headers['content-type'] === 'application/xml' && c.status === 200));
  });

  test('a duplicated final report makes one event; the same report posted again is stored once', async () => {
    const res = await send({ phone: NL('0013'), body: 'dup' });
    await messageEvents(world(), res.body.id, (e) => e.length >= 3);
    await w.sandbox.idle();
    await eventually(async () => ((await w.t.hub.processor.pending()) === 0 ? true : undefined));
    const events = await messageEvents(world(), res.body.id, () => true);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);

    const report = JSON.stringify({ messages: { msg: { received: '2026-12-04T20:00:00', to: '0031612340013', reference: res.body.id.replace('_', ''), status: { code: '2', errorCode: '', errorDescription: '' }, operator: '20416' } } });
    assert.equal(await post(w.integration.webhook_urls.status, report), 200);
    assert.equal(await post(w.integration.webhook_urls.status, report), 200, 'CM re-sends until it gets a 2xx: a repeat is acknowledged');
    const rows = await w.t.hub.db.selectFrom('callbacks').select('id').where('body', '=', Buffer.from(report)).execute();
    assert.equal(rows.length, 1);
  });

  test('a report with a wrong URL token is a 404 and stores nothing', async () => {
    const url = w.integration.webhook_urls.status.replace(/\/webhooks\/([^/]+)\/[^/]+\//, '/webhooks/$1/not-the-token/');
    const count = async () => Number((await w.t.hub.db.selectFrom('callbacks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    assert.equal(await post(url, '{"messages":{"msg":{"status":{"code":"2"}}}}'), 404);
    assert.equal(await count(), before);
  });

  test('an incoming SMS becomes an incoming_message event on a profile created for the number', async () => {
    const inject = await w.sandbox.injectInbound({ token: TOKEN, from: '+31612340777', to: '0031201234567', body: 'STOP graag' });
    assert.equal(inject.status, 200);
    const events = await eventually(async () => {
      const r = await w.t.api.get(`/api/v1/projects/${w.projectId}/customers/%2B31612340777/events`);
      return r.status === 200 && r.body.data.length > 0 ? r.body.data : undefined;
    });
    assert.equal(events[0].properties.status, 'incoming_message');
    assert.equal(events[0].properties.message, 'STOP graag');
    assert.equal(events[0].properties.sender, '+31612340777');
    assert.equal(events[0].properties.recipient, '+31201234567');
    assert.equal(events[0].properties.action_type, 'sms');
  });

  test('an outage (503) is retried; the message goes out once the sandbox is back', async () => {
    const seen = w.sandbox.requests.length;
    w.sandbox.setOutage('http_503');
    const res = await send({ phone: NL('0300'), body: 'during the outage' });
    await eventually(async () => (w.sandbox.requests.slice(seen).some((r) => r.status === 503 && r.path === '/v1.0/message') ? true : undefined));
    w.sandbox.setOutage('off');
    const events = await messageEvents(world(), res.body.id, (e) => e.some((x) => x.properties.status === 'delivered'), 20_000);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.ok(msg.body.attempts >= 2);
  });
});
