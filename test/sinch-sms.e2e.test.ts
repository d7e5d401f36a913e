// API send → durable queue → Sinch SMS sandbox → delivery reports → events, over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { signSinchCallback } from '../src/providers/sinch-signature.js';
import { eventually } from './helpers.js';
import { messageEvents, sinchWorld, statuses, type SinchWorld } from './fixtures.js';

const US = (last4: string) => `+1202555${last4}`;

describe('Sinch SMS end to end', () => {
  let w: SinchWorld;
  before(async () => {
    w = await sinchWorld();
  });
  after(async () => {
    await w.close();
  });

  const send = (body: Record<string, unknown>) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, body);

  test('a transactional send becomes enqueued, sent and delivered events with the documented properties', async () => {
    await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'c-1', phone: '+1 202 555 0100' });
    const res = await send({ customer_id: 'c-1', body: 'Your code is 1234' });
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.recipient, '+12025550100');
    assert.equal(res.body.parts, 1);
    const id = res.body.id as string;

    const events = await messageEvents(w, id, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    const batch = w.sandbox.batches.find((b) => b.batch.client_reference === id);
    assert.ok(batch, 'the sandbox got a batch carrying our message id');
    for (const e of events) {
      assert.equal(e.name, 'campaign');
      assert.equal(e.customer_id, 'c-1');
      const p = e.properties;
      assert.equal(p.message_type, 'transactional');
      assert.equal(p.action_type, 'sms');
      assert.equal(p.campaign_id, null);
      assert.equal(p.recipient, '+12025550100');
      assert.equal(p.number_of_message_parts, 1);
      assert.equal(p.message_id, id);
      assert.equal(p.integration_id, w.integrationId);
      assert.equal(p.provider_message_id, batch.batch.id);
      assert.equal(typeof p.sent_timestamp, 'number');
      assert.ok(Math.abs(p.sent_timestamp - Date.now() / 1000) < 60);
    }
    assert.equal(events[0].properties.status_code, undefined, 'an accepted request carries no provider code');
    assert.equal(events[1].properties.status_code, 401);
    assert.equal(events[2].properties.status_code, 0);
    assert.equal(events[2].properties.error, undefined);

    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${id}`);
    assert.equal(msg.body.status, 'delivered');
    assert.equal(msg.body.expects_delivery_reports, true);
    assert.deepEqual(msg.body.events.map((e: any) => e.properties.status), ['enqueued', 'sent', 'delivered']);
  });

  test('the batch request is exactly what Sinch expects', async () => {
    const res = await send({ phone: US('0101'), body: 'hello', sender: '12025550999' });
    await messageEvents(w, res.body.id, (e) => e.length >= 1);
    const req = w.sandbox.requests.find((r) => r.method === "POST" && (r.body ?? "").includes(res.body.id));
    assert.ok(req);
    assert.equal(req.url, '/xms/v1/plan1/batches');
    assert.equal(req.headers.authorization, 'Bearer token-1');
    const body = JSON.parse(req.body ?? "");
    assert.deepEqual(body.to, ['+12025550101']);
    assert.equal(body.from, '12025550999');
    assert.equal(body.body, 'hello');
    assert.equal(body.delivery_report, 'per_recipient');
    assert.equal(body.client_reference, res.body.id);
    assert.equal(body.callback_url, w.integration.webhook_urls.delivery);
  });

  const outcomes: [string, string, string, number, string | undefined][] = [
    ['0002', 'Failed (SMPP 150)', 'failed', 150, '150'],
    ['0003', 'Rejected (SMPP 61)', 'rejected', 61, '61'],
    ['0004', 'Aborted 402', 'rejected', 402, '402'],
    ['0012', 'Aborted 412', 'rejected', 412, '412'],
    ['0005', 'Expired', 'failed', 201, '201'],
    ['0006', 'Unknown', 'failed', 0, '0'],
    ['0011', 'Deleted', 'failed', 111, '111'],
  ];
  for (const [last4, what, status, code, error] of outcomes) {
    test(`${what} becomes ${status} with status_code ${code}`, async () => {
      const res = await send({ phone: US(last4), body: 'x' });
      const events = await messageEvents(w, res.body.id, (e) => e.some((x) => x.properties.status === status));
      const final = events.find((e) => e.properties.status === status);
      assert.equal(final.properties.status_code, code);
      assert.equal(final.properties.error, error);
      const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
      assert.equal(msg.body.status, status);
    });
  }

  test('a duplicated final report makes one event', async () => {
    const res = await send({ phone: US('0013'), body: 'dup' });
    await messageEvents(w, res.body.id, (e) => e.length >= 3);
    await w.sandbox.idle();
    await eventually(async () => ((await w.t.hub.processor.pending()) === 0 ? true : undefined));
    const events = await messageEvents(w, res.body.id, () => true);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
  });

  test('reports out of order never move the status back, and each status is recorded once', async () => {
    const res = await send({ phone: US('0014'), body: 'reorder' });
    await messageEvents(w, res.body.id, (e) => e.length >= 3);
    const events = await messageEvents(w, res.body.id, () => true);
    assert.deepEqual(new Set(statuses(events)), new Set(['enqueued', 'sent', 'delivered']));
    assert.equal(events.length, 3);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.status, 'delivered');
    // The late `sent` carries the operator's time, so the timeline still reads in order.
    const byStatus = Object.fromEntries(events.map((e: any) => [e.properties.status, e.timestamp]));
    assert.ok(byStatus.sent <= byStatus.delivered);
  });

  test('a number in a country without delivery reports is marked as expecting none', async () => {
    const res = await send({ phone: '+4915123456789', body: 'Hallo' });
    assert.equal(res.status, 202);
    assert.equal(res.body.expects_delivery_reports, false);
    await messageEvents(w, res.body.id, (e) => e.length >= 1);
    await w.sandbox.idle();
    const events = await messageEvents(w, res.body.id, () => true);
    assert.deepEqual(statuses(events), ['enqueued']);
    // The number was parsed once: its country went to the new profile as well.
    const profile = await w.t.hub.db.selectFrom('customers').select('country').where('project_id', '=', w.projectId).where('customer_id', '=', '+4915123456789').executeTakeFirstOrThrow();
    assert.equal(profile.country, 'DE');
  });

  test("a send to a profile uses the country stored with the profile's number", async () => {
    const created = await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'hans', phone: '+4915123456780' });
    assert.equal(created.status, 201);
    const res = await send({ customer_id: 'hans', body: 'Hallo' });
    assert.equal(res.status, 202);
    assert.equal(res.body.expects_delivery_reports, false);
    const us = await send({ customer_id: 'hans', phone: '+12025550188', body: 'Hello' });
    assert.equal(us.body.expects_delivery_reports, true, 'a phone given with the send is what counts');
  });

  test('an inbound mo_text becomes an incoming_message event on a profile created for the number', async () => {
    const inject = await w.sandbox.injectInbound({ servicePlanId: 'plan1', from: '+12025550777', to: '12025550999', body: 'STOP please', url: w.integration.webhook_urls.inbound });
    assert.equal(inject.status, 200);
    const events = await eventually(async () => {
      const r = await w.t.api.get(`/api/v1/projects/${w.projectId}/customers/%2B12025550777/events`);
      return r.status === 200 && r.body.data.length > 0 ? r.body.data : undefined;
    });
    assert.equal(events[0].properties.status, 'incoming_message');
    assert.equal(events[0].properties.message, 'STOP please');
    assert.equal(events[0].properties.sender, '+12025550777');
    assert.equal(events[0].properties.recipient, '+12025550999');
    assert.equal(events[0].properties.action_type, 'sms');
  });

  test('a report more than four days after dispatch is kept raw but makes no event', async () => {
    const res = await send({ phone: US('0007'), body: 'no report from the sandbox' });
    await messageEvents(w, res.body.id, (e) => e.length >= 1);
    const fiveDaysAgoUs = (Date.now() - 5 * 24 * 3600 * 1000) * 1000;
    await w.t.hub.db.updateTable('messages').set({ sent_at_us: fiveDaysAgoUs }).where('id', '=', res.body.id).execute();
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    const report = JSON.stringify({
      type: 'recipient_delivery_report_sms',
      batch_id: msg.body.provider_message_id,
      recipient: '12025550007',
      code: 0,
      status: 'Delivered',
      at: new Date().toISOString(),
      client_reference: res.body.id,
    });
    const post = await request(w.integration.webhook_urls.delivery, { method: 'POST', headers: { 'content-type': 'application/json' }, body: report });
    assert.equal(post.statusCode, 200);
    await post.body.dump();
    const callback = await eventually(async () => {
      const r = await w.t.hub.db.selectFrom('callbacks').selectAll().where('body', '=', Buffer.from(report)).executeTakeFirst();
      return r?.processed_at ? r : undefined;
    });
    assert.equal(callback.outcome, 'outside_window');
    const events = await messageEvents(w, res.body.id, () => true);
    assert.deepEqual(statuses(events), ['enqueued']);
  });

  test('a refused request becomes enqueue_failed with the HTTP status and no retry', async () => {
    const bad = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: w.sandbox.url },
      secrets: { api_token: 'wrong-token' },
    });
    const res = await send({ phone: US('0200'), body: 'x', integration_id: bad.body.id });
    const events = await messageEvents(w, res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueue_failed');
    assert.equal(events[0].properties.status_code, 401);
    assert.equal(typeof events[0].properties.error, 'string');
    assert.equal(typeof events[0].properties.comment, 'string');
    assert.ok(!JSON.stringify(events).includes('wrong-token'), 'the token never shows up in an event');
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.attempts, 1);
  });

  test('5xx is retried: a number failing once with 503 is then delivered', async () => {
    const res = await send({ phone: US('0010'), body: 'retry me' });
    const events = await messageEvents(w, res.body.id, (e) => e.some((x) => x.properties.status === 'delivered'));
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.equal(msg.body.attempts, 2);
  });

  test('429 is retried with backoff until the deadline, then enqueue_failed', async () => {
    const quick = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
      retry_deadline_seconds: 1,
    });
    const res = await send({ phone: US('0008'), body: 'throttled', integration_id: quick.body.id });
    const events = await messageEvents(w, res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.status, 'enqueue_failed');
    assert.equal(events[0].properties.status_code, 429);
    const msg = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${res.body.id}`);
    assert.ok(msg.body.attempts > 1, `attempts ${msg.body.attempts}`);
  });

  test('a campaign reaches its audience and counts those it skipped', async () => {
    for (let i = 0; i < 5; i++) {
      await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: `aud-${i}`, phone: US(`03${i}0`) });
    }
    await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'aud-nophone' });
    const created = await w.t.api.post(`/api/v1/projects/${w.projectId}/campaigns`, {
      name: 'Spring sale',
      body: 'Spring sale: 20% off today only! Reply STOP to opt out.',
      audience: { customer_ids: ['aud-0', 'aud-1', 'aud-2', 'aud-3', 'aud-4', 'aud-nophone', 'nobody'] },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.audience_size, 7);
    const listed = await w.t.api.get(`/api/v1/projects/${w.projectId}/campaigns`);
    assert.equal(listed.body.data.find((c: any) => c.id === created.body.id).audience_size, 7);
    const launched = await w.t.api.post(`/api/v1/projects/${w.projectId}/campaigns/${created.body.id}/launch`);
    assert.equal(launched.status, 200);
    assert.deepEqual(launched.body.launch_summary, {
      audience: 7,
      queued: 5,
      skipped_unknown_customer: 1,
      skipped_no_phone: 1,
      skipped_opted_out: 0,
      skipped_missing_variable: 0,
      skipped_render_error: 0,
      missing_variables: {},
      skipped_frequency_cap: 0,
      deferred_quiet_hours: 0,
    });
    const again = await w.t.api.post(`/api/v1/projects/${w.projectId}/campaigns/${created.body.id}/launch`);
    assert.equal(again.status, 409);

    const stats = await eventually(async () => {
      const s = await w.t.api.get(`/api/v1/projects/${w.projectId}/campaigns/${created.body.id}/stats`);
      return s.body.current_status.delivered === 5 ? s.body : undefined;
    });
    assert.equal(stats.messages, 5);
    assert.equal(stats.events.enqueued, 5);
    const events = await w.t.api.get(`/api/v1/projects/${w.projectId}/events?campaign_id=${created.body.id}&status=delivered`);
    assert.equal(events.body.data.length, 5);
    for (const e of events.body.data) {
      assert.equal(e.properties.message_type, 'campaign');
      assert.equal(e.properties.campaign_id, created.body.id);
    }
  });

  test('event names follow the project mapping', async () => {
    await w.t.api.put(`/api/v1/projects/${w.projectId}/settings`, { event_names: { sms: 'sms_campaign' } });
    try {
      const res = await send({ phone: US('0400'), body: 'renamed' });
      const events = await messageEvents(w, res.body.id, (e) => e.length >= 3);
      assert.deepEqual([...new Set(events.map((e) => e.name))], ['sms_campaign']);
    } finally {
      await w.t.api.put(`/api/v1/projects/${w.projectId}/settings`, { event_names: {} });
    }
  });
});

describe('Sinch SMS webhook authentication', () => {
  let w: SinchWorld;
  before(async () => {
    w = await sinchWorld({
      sandbox: { servicePlans: [{ id: 'plan1', token: 'token-1', callbackSigningSecret: 'sig-secret' }] },
      secrets: { webhook_signing_secret: 'sig-secret' },
    });
  });
  after(async () => {
    await w.close();
  });

  const report = (n: number) =>
    JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: `B${n}`, recipient: '12025550100', code: 0, status: 'Delivered', at: new Date().toISOString() });
  const post = async (url: string, body: string, headers: Record<string, string> = {}) => {
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await res.body.dump();
    return res.statusCode;
  };

  test('signed callbacks from the sandbox are accepted and processed', async () => {
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: US('0500'), body: 'signed' });
    const events = await messageEvents(w, res.body.id, (e) => e.length >= 3);
    assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered']);
    assert.ok(w.sandbox.callbacks.every((c) => c.status === 200));
  });

  test('a wrong URL token is a 404 and stores nothing', async () => {
    const url = w.integration.webhook_urls.delivery.replace(/\/webhooks\/([^/]+)\/[^/]+\//, '/webhooks/$1/not-the-token/');
    const before = await w.t.hub.db.selectFrom('callbacks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(await post(url, report(1), signSinchCallback('sig-secret', report(1))), 404);
    const afterCount = await w.t.hub.db.selectFrom('callbacks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });

  test('missing, forged and stale signatures are rejected with 403', async () => {
    const url = w.integration.webhook_urls.delivery;
    const body = report(2);
    assert.equal(await post(url, body), 403);
    assert.equal(await post(url, body, signSinchCallback('another-secret', body)), 403);
    const signed = signSinchCallback('sig-secret', body);
    assert.equal(await post(url, body.replace('Delivered', 'Failed'), signed), 403, 'tampered body');
    assert.equal(await post(url, body, signSinchCallback('sig-secret', body, Date.now() - 10 * 60 * 1000)), 403, 'stale timestamp');
  });

  test('a replayed nonce is rejected; the same report re-sent with a new signature is stored once', async () => {
    const url = w.integration.webhook_urls.delivery;
    const body = report(3);
    const signed = signSinchCallback('sig-secret', body);
    assert.equal(await post(url, body, signed), 200);
    assert.equal(await post(url, body, signed), 409);
    assert.equal(await post(url, body, signSinchCallback('sig-secret', body)), 200);
    const rows = await w.t.hub.db.selectFrom('callbacks').select('id').where('body', '=', Buffer.from(body)).execute();
    assert.equal(rows.length, 1);
  });
});
