// Provider failover with two hubs on one PostgreSQL database (docs/failover.md): the CM.com
// integration's sender runs in one process, the Sinch one's in the other. Polls are set to a
// minute, so only news (a wake over LISTEN/NOTIFY) can make the Sinch sender send in time what
// the CM process moved to it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SecretBox } from '../src/core/crypto.js';
import { createCmSandbox } from '../src/sandboxes/cm/server.js';
import { createSinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from '../src/store/testing.js';
import { eventually, startHub, type TestHub } from './helpers.js';

const TOKEN = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

let store: TestStore | null = null;
const hubs: TestHub[] = [];
after(async () => {
  for (const h of hubs) await h.close();
  await store?.close();
});

test('the process owning CM moves its messages to Sinch, whose sender runs in the other process, once each', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  store = await openPostgresStore();
  const cm = createCmSandbox({ accounts: [{ token: TOKEN }], delays: { acceptedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
  await cm.listen(0, '127.0.0.1');
  const sinch = createSinchSmsSandbox({ servicePlans: [{ id: 'plan1', token: 'token-1' }], delays: { dispatchedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
  await sinch.listen(0, '127.0.0.1');
  t.after(async () => {
    await cm.close();
    await sinch.close();
  });
  const env = { DATABASE_URL: store.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() };
  const options = {
    dispatcher: { pollMs: 60_000, failover: { failureThreshold: 2, coolDownMs: 60_000 } },
    processor: { pollMs: 60_000 },
    cluster: { balanceMs: 200 },
  };
  hubs.push(await startHub({ env, hub: options }), await startHub({ env, hub: options }));
  const [a] = hubs as [TestHub, TestHub];

  const pid = (await a.api.post('/api/v1/projects', { name: 'Cluster failover' })).body.id;
  const cmInt = await a.api.post(`/api/v1/projects/${pid}/integrations`, { provider: 'cm', config: { base_url: cm.url, default_sender: 'Acme' }, secrets: { product_token: TOKEN }, rate_limit: null });
  const sinchInt = await a.api.post(`/api/v1/projects/${pid}/integrations`, {
    provider: 'sinch_sms',
    config: { service_plan_id: 'plan1', base_url: sinch.url, default_sender: '+12025550177' },
    secrets: { api_token: 'token-1' },
    rate_limit: 50,
  });
  const cmId = cmInt.body.id as string;
  const sinchId = sinchInt.body.id as string;
  const set = await a.api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: cmId, failover: { sms: [sinchId] } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  // Spread evenly: each process runs one of the two senders.
  const [cmOwner, sinchOwner] = await eventually(async () => {
    const c = hubs.find((h) => h.hub.dispatcher.owned?.has(cmId));
    const s = hubs.find((h) => h.hub.dispatcher.owned?.has(sinchId));
    return c && s && c !== s ? ([c, s] as const) : undefined;
  }, 20_000, 'one sender per process');
  // Let the new owners' first claims find nothing (they then wait for news).
  await new Promise((r) => setTimeout(r, 1500));

  cm.setOutage('http_503');
  // Taken by the process that does not run CM's sender: it wakes the owner, which fails, opens
  // its breaker, moves them and wakes Sinch's sender in the other process.
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await sinchOwner.api.post(`/api/v1/projects/${pid}/messages`, { phone: `+316123402${i}0`, body: `x ${i}` });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    ids.push(res.body.id);
  }
  const ms = await eventually(async () => {
    const got = await Promise.all(ids.map(async (id) => (await cmOwner.api.get(`/api/v1/projects/${pid}/messages/${id}`)).body));
    return got.every((m) => m.dispatch_state === 'done') ? got : undefined;
  }, 20_000, 'every message sent');
  for (const m of ms) {
    assert.equal(m.integration_id, sinchId);
    assert.equal(m.status === 'enqueue_failed', false, m.status);
    assert.deepEqual(m.send_attempts.at(-2).outcome, 'rerouted');
    assert.deepEqual([m.send_attempts.at(-1).integration_id, m.send_attempts.at(-1).outcome], [sinchId, 'accepted']);
    assert.equal(sinch.batches.filter((b) => b.request.client_reference === m.id).length, 1, `${m.id}: one Sinch batch`);
    assert.equal(cm.messages.filter((x) => x.reference === m.id.replace('_', '')).length, 0);
  }
});
