// Delivery receipts for SMS sent straight through Sinch (not through the hub), matched to profiles
// by the `$uid=…$cat=…` client reference, end to end with the official SDK and the sandbox.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SinchClient } from '@sinch/sdk-core';
import { request } from 'undici';
import { signSinchCallback } from '../src/providers/sinch-signature.js';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { eventually, startHub, type TestHub } from './helpers.js';

describe('direct-send ingest', () => {
  let t: TestHub;
  let sandbox: SinchSmsSandbox;
  let pid: string;
  let url: string;

  before(async () => {
    sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'direct', token: 'direct-token' }], delays: { dispatchedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
    await sandbox.listen(0, '127.0.0.1');
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Payments' })).body.id;
    await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'known-1', phone: '+12025550140' });
    url = (await t.api.get(`/api/v1/projects/${pid}/settings`)).body.direct_ingest_url;
  });
  after(async () => {
    await t.close();
    await sandbox.close();
  });

  const post = async (body: unknown, headers: Record<string, string> = {}, target = url) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await request(target, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null };
  };
  const eventsOf = async (customerId: string) =>
    (await t.api.get(`/api/v1/projects/${pid}/customers/${encodeURIComponent(customerId)}/events`)).body.data as any[];
  const settle = () => eventually(async () => ((await t.hub.processor.pending()) === 0 ? true : undefined));
  const report = (over: Record<string, unknown>) => ({
    type: 'recipient_delivery_report_sms',
    batch_id: 'B-1',
    recipient: '+12025550140',
    code: 0,
    status: 'Delivered',
    at: '2026-11-23T10:00:01.000Z',
    operator_status_at: '2026-11-23T10:00:00.500Z',
    client_reference: '$uid=known-1$cat=otp',
    ...over,
  });

  test('the settings show the app key and the URL to give Sinch', async () => {
    const s = (await t.api.get(`/api/v1/projects/${pid}/settings`)).body;
    assert.match(s.app_key, /^ak_[A-Za-z0-9_-]{20,}$/);
    assert.equal(s.direct_ingest_url, `${t.url}/ingest/sinch/${s.app_key}`);
  });

  test('batches sent through Sinch with the official SDK come back as SMS events on the profile', async () => {
    const sinch = new SinchClient({ servicePlanId: 'direct', apiToken: 'direct-token', smsHostname: sandbox.url });
    await sinch.sms.batches.send({
      sendSMSRequestBody: { to: ['+12025550140'], from: 'ACME', body: 'Your code is 9911', delivery_report: 'per_recipient', callback_url: url, client_reference: '$uid=known-1$cat=otp' },
    });
    const events = await eventually(async () => {
      const e = (await eventsOf('known-1')).filter((x) => x.properties.category === 'otp');
      return e.length >= 2 ? e : undefined;
    });
    assert.deepEqual(events.map((e) => e.name), ['SMS Sent', 'SMS Delivered']);
    const delivered = events[1];
    assert.deepEqual(Object.keys(delivered.properties).sort(), ['batch_id', 'category', 'operator_status_at', 'recipient', 'status', 'status_code']);
    assert.equal(delivered.properties.status, 'Delivered');
    assert.equal(delivered.properties.status_code, 0);
    assert.equal(delivered.properties.recipient, '+12025550140');
    assert.equal(typeof delivered.properties.batch_id, 'string');
  });

  test('a full batch report gives one event per recipient', async () => {
    const sinch = new SinchClient({ servicePlanId: 'direct', apiToken: 'direct-token', smsHostname: sandbox.url });
    await sinch.sms.batches.send({
      sendSMSRequestBody: { to: ['+12025550141', '+12025550002'], body: 'Payment received', delivery_report: 'full', callback_url: url, client_reference: '$cat=payment$uid=batch-customer' },
    });
    const events = await eventually(async () => {
      const e = await eventsOf('batch-customer');
      return e.length >= 2 ? e : undefined;
    });
    assert.deepEqual(events.map((e) => e.name).sort(), ['SMS Delivered', 'SMS Delivery Failed']);
    const failed = events.find((e) => e.name === 'SMS Delivery Failed');
    assert.equal(failed.properties.status, 'Failed');
    assert.equal(failed.properties.category, 'payment');
  });

  const forms: [string, string, string, string | null][] = [
    ['uid then category', '$uid=f-1$cat=otp', 'f-1', 'otp'],
    ['category then uid', '$cat=otp$uid=f-2', 'f-2', 'otp'],
    ['no category', '$uid=f-3', 'f-3', null],
    ['empty category', '$uid=f-4$cat=', 'f-4', null],
    ['URL-encoded uid', '$uid=jane%40example.com$cat=otp', 'jane@example.com', 'otp'],
    ['unknown extra keys', '$src=crm$uid=f-6$v=2$cat=promo', 'f-6', 'promo'],
  ];
  for (const [what, ref, uid, category] of forms) {
    test(`client_reference form: ${what}`, async () => {
      const res = await post(report({ client_reference: ref, batch_id: `B-${uid}`, recipient: '+12025550150' }));
      assert.equal(res.status, 200);
      await settle();
      const events = await eventsOf(uid);
      assert.equal(events.length, 1);
      assert.equal(events[0].name, 'SMS Delivered');
      assert.equal(events[0].properties.category, category);
    });
  }

  test('unknown uids create profiles, and how many is visible', async () => {
    const before = (await t.api.get(`/api/v1/projects/${pid}/ingest/sinch`)).body.profiles_created;
    assert.equal((await post(report({ client_reference: '$uid=brand-new', batch_id: 'B-new', recipient: '+12025550160' }))).status, 200);
    await settle();
    const customer = await t.api.get(`/api/v1/projects/${pid}/customers/brand-new`);
    assert.equal(customer.status, 200);
    assert.equal(customer.body.phone, '+12025550160');
    const after = (await t.api.get(`/api/v1/projects/${pid}/ingest/sinch`)).body.profiles_created;
    assert.equal(after, before + 1);
  });

  test('a report without a uid is refused with a 4xx, stored nowhere, and listed as rejected', async () => {
    const callbacksBefore = await t.hub.db.selectFrom('callbacks').select('id').execute();
    for (const ref of ['$cat=otp', '$uid=$cat=otp', undefined]) {
      const res = await post(report({ client_reference: ref, batch_id: 'B-nouid' }));
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'missing_uid');
    }
    const notJson = await post('{"type": ');
    assert.equal(notJson.status, 400);
    const mo = await post({ type: 'mo_text', from: '+12025550100', to: '12345', body: 'hi' });
    assert.equal(mo.status, 400);
    const callbacksAfter = await t.hub.db.selectFrom('callbacks').select('id').execute();
    assert.equal(callbacksAfter.length, callbacksBefore.length);
    const rejections = (await t.api.get(`/api/v1/projects/${pid}/ingest/sinch/rejections`)).body.data;
    assert.ok(rejections.length >= 5);
    assert.ok(rejections.some((r: any) => r.client_reference === '$cat=otp' && r.batch_id === 'B-nouid' && /uid/.test(r.reason)));
  });

  test('duplicates and reordering: each status once, never backwards', async () => {
    const base = { client_reference: '$uid=order-1$cat=otp', batch_id: 'B-order', recipient: '+12025550170' };
    assert.equal((await post(report({ ...base, status: 'Delivered', code: 0 }))).status, 200);
    assert.equal((await post(report({ ...base, status: 'Delivered', code: 0 }))).status, 200, 'a retry is acknowledged');
    assert.equal((await post(report({ ...base, status: 'Dispatched', code: 401, operator_status_at: '2026-11-23T09:59:59.000Z' }))).status, 200);
    assert.equal((await post(report({ ...base, status: 'Failed', code: 150 }))).status, 200);
    await settle();
    const events = await eventsOf('order-1');
    assert.deepEqual(events.map((e) => e.name).sort(), ['SMS Delivered', 'SMS Sent']);
    const state = await t.hub.db.selectFrom('direct_deliveries').selectAll().where('batch_id', '=', 'B-order').executeTakeFirstOrThrow();
    assert.equal(state.status, 'delivered');
  });

  test('an unknown app key is a 404 and changes nothing; a rotated key retires the old URL', async () => {
    const callbacksBefore = (await t.hub.db.selectFrom('callbacks').select('id').execute()).length;
    const res = await post(report({}), {}, `${t.url}/ingest/sinch/ak_not_a_real_key`);
    assert.equal(res.status, 404);
    assert.equal((await t.hub.db.selectFrom('callbacks').select('id').execute()).length, callbacksBefore);

    const other = (await t.api.post('/api/v1/projects', { name: 'Rotating' })).body.id;
    const oldUrl = (await t.api.get(`/api/v1/projects/${other}/settings`)).body.direct_ingest_url;
    const rotated = await t.api.post(`/api/v1/projects/${other}/app-key/rotate`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.direct_ingest_url, oldUrl);
    assert.equal((await post(report({ client_reference: '$uid=r1' }), {}, oldUrl)).status, 404);
    assert.equal((await post(report({ client_reference: '$uid=r1' }), {}, rotated.body.direct_ingest_url)).status, 200);
  });

  test('with a signing secret, unsigned and forged reports get 403 and replays 409', async () => {
    const signed = (await t.api.post('/api/v1/projects', { name: 'Signed' })).body.id;
    const s = await t.api.put(`/api/v1/projects/${signed}/settings`, { ingest_signing_secret: 'direct-ingest-secret' });
    assert.equal(s.body.ingest_signing_secret_set, true);
    assert.ok(!JSON.stringify(s.body).includes('direct-ingest-secret'));
    const target = s.body.direct_ingest_url;
    const body = JSON.stringify(report({ client_reference: '$uid=s1' }));
    assert.equal((await post(body, {}, target)).status, 403);
    assert.equal((await post(body, signSinchCallback('wrong-secret', body), target)).status, 403);
    const headers = signSinchCallback('direct-ingest-secret', body);
    assert.equal((await post(body, headers, target)).status, 200);
    assert.equal((await post(body, headers, target)).status, 409);
  });
});
