// What webhooks and direct-send ingest can make the hub store, through a real hub on loopback:
// a source with too much pending is answered 429 before anything is stored, and taken again once
// processing drains it; rejections are kept up to their cap.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { sourceKey } from '../src/callbacks/pending.js';
import { signSinchCallback } from '../src/providers/sinch-signature.js';
import * as rejectionStore from '../src/store/ingest-rejections.js';
import { eventually, startHub, type TestHub } from './helpers.js';

describe('storage bounds', () => {
  let t: TestHub;
  let pid: string;
  let deliveryUrl: string;
  let ingestUrl: string;
  const SECRET = 'signing-secret-bounds';

  before(async () => {
    t = await startHub({ env: { CALLBACK_PENDING_MAX: '3', INGEST_REJECTIONS_MAX: '4' } });
    pid = (await t.api.post('/api/v1/projects', { name: 'Bounds' })).body.id;
    const integration = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      // Never called: the test only posts reports for batches the hub did not send.
      config: { service_plan_id: 'plan', base_url: 'http://127.0.0.1:9' },
      secrets: { api_token: 'token', webhook_signing_secret: SECRET },
    });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    deliveryUrl = integration.body.webhook_urls.delivery;
    iid = integration.body.id;
    ingestUrl = (await t.api.get(`/api/v1/projects/${pid}/settings`)).body.direct_ingest_url;
  });
  after(() => t.close());

  const post = async (target: string, body: string, headers: Record<string, string> = {}) => {
    const res = await request(target, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  // Byte-different copies of one report: the attack that filled the disk.
  const report = (i: number, over: Record<string, unknown> = {}) =>
    JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: 'B-1', recipient: '+12025550140', code: 0, status: 'Delivered', at: '2026-11-23T10:00:01.000Z', client_reference: `$uid=u-${i}`, ...over });
  const signed = (body: string) => post(deliveryUrl, body, signSinchCallback(SECRET, body));
  const stored = async () => Number((await t.hub.db.selectFrom('callbacks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  let iid: string;
  // The store has nothing pending, and the writer's count (lowered just after each batch commits) agrees.
  const drained = () =>
    eventually(async () => {
      const counted = [sourceKey({ source: 'webhook', projectId: pid, integrationId: iid }), sourceKey({ source: 'ingest_sinch', projectId: pid })].map((k) => t.hub.callbacks.pending.of(k).count);
      return (await t.hub.processor.pending()) === 0 && counted.every((n) => n === 0) ? true : undefined;
    });

  for (const [name, send] of [
    ['a webhook', (i: number) => signed(report(i))],
    ['direct-send ingest', (i: number) => post(ingestUrl, report(i, { batch_id: 'B-direct' }))],
  ] as const) {
    test(`${name}: 429 with Retry-After once its source has the most pending, nothing stored; taken again after processing`, async () => {
      await drained();
      await t.hub.processor.stop();
      const before = await stored();
      for (let i = 0; i < 3; i++) assert.equal((await send(i)).status, 200);
      for (let i = 3; i < 6; i++) {
        const refused = await send(i);
        assert.equal(refused.status, 429, JSON.stringify(refused.body));
        assert.equal(refused.headers['retry-after'], '60');
        assert.equal(refused.body.error.code, 'too_many_pending');
      }
      assert.equal(await stored(), before + 3, 'the refused callbacks were not stored');

      t.hub.processor.start();
      await drained();
      // The provider's retry of a refused callback (signed anew) is now taken.
      const retried = await send(3);
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(await stored(), before + 4);
    });
  }

  test("one source's backlog does not refuse another's", async () => {
    await drained();
    await t.hub.processor.stop();
    try {
      for (let i = 10; i < 13; i++) assert.equal((await signed(report(i))).status, 200);
      assert.equal((await signed(report(13))).status, 429);
      assert.equal((await post(ingestUrl, report(13, { batch_id: 'B-direct' }))).status, 200);
    } finally {
      t.hub.processor.start();
    }
    await drained();
  });

  test('rejections past the cap are pruned, the newest kept, without waiting for the next round', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await post(ingestUrl, report(i, { client_reference: `$cat=otp$n=${i}` }));
      assert.equal(res.status, 422);
    }
    // A round starts each time a project has stored a cap's worth since the last: at most a cap
    // more than the cap waits for the next regular round.
    const left = await eventually(async () => {
      const rows = await rejectionStore.list(t.hub.db, pid, { limit: 100 });
      return rows.length < 2 * 4 ? rows : undefined;
    }, 5000, 'rejections pruned to the cap');
    assert.ok(left.length >= 4, 'the cap is kept');
    assert.equal(left[left.length - 1]!.client_reference, '$cat=otp$n=9');
  });

  test("a rejected report's fields are stored bounded", async () => {
    const res = await post(ingestUrl, report(0, { client_reference: `$cat=${'x'.repeat(50_000)}`, batch_id: 'b'.repeat(50_000) }));
    assert.equal(res.status, 422);
    const rows = await rejectionStore.list(t.hub.db, pid, { limit: 100 });
    const last = rows[rows.length - 1]!;
    assert.equal(last.client_reference!.length, 256);
    assert.equal(last.batch_id!.length, 256);
    assert.ok(last.body.length <= 2000);
  });

  test('a $uid longer than any customer id is refused, not made into a profile', async () => {
    const res = await post(ingestUrl, report(0, { client_reference: `$uid=${'u'.repeat(300)}` }));
    assert.equal(res.status, 422);
    assert.match(res.body.error.message, /longer than 256/);
  });
});
