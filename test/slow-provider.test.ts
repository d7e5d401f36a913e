// A provider slower than the send timeout: the request reached it, the answer did not reach the
// hub. The outcome is unknown, so the hub must neither record a failure it cannot be sure of nor
// simply send again: it waits for proof (a report naming the message, or the provider's own
// record found by our reference) and resends, marked as a possible duplicate, only when the
// provider shows it does not have the message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from './helpers.js';
import { messageEvents, sinchWorld, statuses, type SinchWorld } from './fixtures.js';
import { ProviderProxy } from './provider-proxy.js';

// Reports deferred while the send is in flight are retried with a back-off that grows with their
// age, so `Delivered` can be applied before `Dispatched` (recorded late, once, as the contract
// says): wait for both, and compare in status order rather than arrival order.
const bothReports = (e: any[]) => statuses(e).includes('sent') && statuses(e).includes('delivered');
const RANK = ['enqueued', 'sent', 'delivered'];
const byRank = (e: any[]) => statuses(e).sort((a, b) => RANK.indexOf(a) - RANK.indexOf(b));

describe('a provider slower than the send timeout', () => {
  let w: SinchWorld;
  let proxy: ProviderProxy;
  before(async () => {
    // Reports come late enough that the hub looks the batch up first (see the report test below).
    w = await sinchWorld({ sandbox: { delays: { dispatchedMs: 3000, finalMs: 3200 } } });
    proxy = new ProviderProxy(w.sandbox.url);
    const url = await proxy.listen();
    const patched = await w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}`, { config: { base_url: url }, send_timeout_ms: 1000 });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.send_timeout_ms, 1000);
  });
  after(async () => {
    await w.close();
    await proxy.close();
  });

  const send = async (phone: string) => {
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone, body: 'Your code is 1234' });
    assert.equal(res.status, 202);
    return res.body.id as string;
  };
  const message = async (id: string) => (await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${id}`)).body;
  const batchesOf = (id: string) => w.sandbox.batches.filter((b) => b.batch.client_reference === id).length;

  test('the provider took it: found by our reference, sent once, delivered, no failure recorded', async () => {
    proxy.answerDelayMs = 1500;
    const ids = await Promise.all(['+12025550101', '+12025550102', '+12025550103'].map(send));
    for (const id of ids) {
      const events = await messageEvents(w, id, bothReports, 20_000);
      assert.deepEqual(byRank(events), ['enqueued', 'sent', 'delivered'], id);
      assert.equal(batchesOf(id), 1, `${id} reached the provider once`);
      const m = await message(id);
      assert.deepEqual([m.status, m.attempts, m.possible_duplicate], ['delivered', 1, false], id);
      assert.ok(m.provider_message_id, 'the batch id came from the lookup');
    }
  });

  test('the request never reached the provider: sent again, counted and marked a possible duplicate', async () => {
    proxy.answerDelayMs = 0;
    proxy.drop = 1;
    const id = await send('+12025550104');
    await messageEvents(w, id, (e) => statuses(e).includes('delivered'), 20_000);
    assert.equal(batchesOf(id), 1);
    const m = await message(id);
    assert.deepEqual([m.status, m.attempts, m.possible_duplicate], ['delivered', 2, true]);
  });
});

describe('a provider slower than the send timeout, whose reports come first', () => {
  let w: SinchWorld;
  let proxy: ProviderProxy;
  before(async () => {
    w = await sinchWorld({ hub: { dispatcher: { pollMs: 100, backoff: { baseMs: 50, maxMs: 500, factor: 2, unconfirmedWaitMs: 60_000 } } } });
    proxy = new ProviderProxy(w.sandbox.url);
    const url = await proxy.listen();
    await w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}`, { config: { base_url: url }, send_timeout_ms: 1000 });
  });
  after(async () => {
    await w.close();
    await proxy.close();
  });

  test('a report naming the message proves acceptance: it is not sent again', async () => {
    proxy.answerDelayMs = 5000;
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: '+12025550105', body: 'Hello' });
    const id = res.body.id as string;
    const events = await messageEvents(w, id, bothReports, 20_000);
    assert.deepEqual(byRank(events), ['enqueued', 'sent', 'delivered']);
    const m = await eventually(async () => {
      const body = (await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${id}`)).body;
      return body.status === 'delivered' ? body : undefined;
    });
    assert.deepEqual([m.attempts, m.possible_duplicate], [1, false]);
    assert.equal(w.sandbox.batches.filter((b) => b.batch.client_reference === id).length, 1);
    assert.equal(proxy.forwarded, 1, 'one request in all: no lookup, no resend');
  });
});

describe('reports that overtake a slow answer', () => {
  let w: SinchWorld;
  let proxy: ProviderProxy;
  before(async () => {
    // Both reports come while the send still waits for its answer, so both are deferred until
    // its outcome is written; the later one must not be applied first.
    w = await sinchWorld({ sandbox: { delays: { dispatchedMs: 100, finalMs: 900 } } });
    proxy = new ProviderProxy(w.sandbox.url);
    proxy.answerDelayMs = 2500;
    const url = await proxy.listen();
    await w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}`, { config: { base_url: url } });
  });
  after(async () => {
    await w.close();
    await proxy.close();
  });

  test('are applied in the order they came: sent before delivered', async () => {
    const ids = await Promise.all(['+12025550106', '+12025550107', '+12025550108'].map(async (phone) => {
      const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone, body: 'Hello' });
      assert.equal(res.status, 202);
      return res.body.id as string;
    }));
    for (const id of ids) {
      const events = await messageEvents(w, id, bothReports, 20_000);
      // Events are listed in the order they were recorded.
      assert.deepEqual(statuses(events), ['enqueued', 'sent', 'delivered'], id);
    }
  });
});
