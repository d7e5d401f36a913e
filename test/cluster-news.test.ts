// Two hubs in this process on one PostgreSQL database: what one learns reaches the other through
// LISTEN/NOTIFY. Polls are set to a minute, so only that news can make the other act in time.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SecretBox } from '../src/core/crypto.js';
import { createSinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from '../src/store/testing.js';
import { eventually, startHub, type TestHub } from './helpers.js';

let store: TestStore | null = null;
const hubs: TestHub[] = [];
after(async () => {
  for (const h of hubs) await h.close();
  await store?.close();
});

test('a send taken by a process without the sender wakes its owner; an integration changed in one is changed in the other', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  store = await openPostgresStore();
  const sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'news', token: 'news-token' }], delays: { dispatchedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
  await sandbox.listen(0, '127.0.0.1');
  t.after(() => sandbox.close());
  const env = { DATABASE_URL: store.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() };
  const options = { dispatcher: { pollMs: 60_000 }, processor: { pollMs: 60_000 }, cluster: { balanceMs: 200 } };
  hubs.push(await startHub({ env, hub: options }), await startHub({ env, hub: options }));
  const [a, b] = hubs as [TestHub, TestHub];

  const pid = (await a.api.post('/api/v1/projects', { name: 'News' })).body.id;
  const created = await a.api.post(`/api/v1/projects/${pid}/integrations`, {
    provider: 'sinch_sms',
    config: { service_plan_id: 'news', base_url: sandbox.url },
    secrets: { api_token: 'news-token' },
    rate_limit: 50,
  });
  const id = created.body.id as string;
  await a.api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: id });
  const owner = await eventually(async () => hubs.find((h) => h.hub.dispatcher.owned?.has(id)), 10_000, 'an owner');
  const other = owner === a ? b : a;
  assert.ok(!other.hub.dispatcher.owned?.has(id), 'one owner only');
  // Let the new owner's first window pass and its first claim find nothing (it then waits for news).
  await new Promise((r) => setTimeout(r, 1500));

  const started = Date.now();
  const sent = await other.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550100', body: 'hello' });
  assert.equal(sent.status, 202);
  await eventually(async () => (sandbox.batches.some((x) => x.batch.client_reference === sent.body.id) ? true : undefined), 5000, 'the owner to send');
  t.diagnostic(`sent by the owner ${Date.now() - started} ms after the other process took it`);

  // A change made through the process without the sender reaches the owner's cached runtime.
  assert.equal((await owner.hub.integrations.runtime(id))?.rateLimit, 50);
  const changed = await other.api.patch(`/api/v1/projects/${pid}/integrations/${id}`, { rate_limit: 7 });
  assert.equal(changed.status, 200);
  await eventually(async () => ((await owner.hub.integrations.runtime(id))?.rateLimit === 7 ? true : undefined), 5000, 'the owner to see the new limit');
});

test('senders are spread evenly over the processes and taken over when one stops', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const own = await openPostgresStore();
  const env = { DATABASE_URL: own.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() };
  const options = { cluster: { balanceMs: 200 } };
  const three = [await startHub({ env, hub: options }), await startHub({ env, hub: options }), await startHub({ env, hub: options })];
  const open = new Set(three);
  t.after(async () => {
    for (const h of open) await h.close();
    await own.close();
  });
  const pid = (await three[0]!.api.post('/api/v1/projects', { name: 'Spread' })).body.id;
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await three[i % 3]!.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      name: `plan ${i}`,
      config: { service_plan_id: `plan${i}`, base_url: 'http://127.0.0.1:9' },
      secrets: { api_token: 't' },
    });
    assert.equal(r.status, 201);
    ids.push(r.body.id);
  }
  const owners = (hubs: TestHub[]) => hubs.map((h) => ids.filter((id) => h.hub.dispatcher.owned?.has(id)).length);
  // Five senders over three processes: at most two each, every one run exactly once.
  await eventually(async () => {
    const n = owners(three);
    return n.reduce((a, b) => a + b, 0) === 5 ? n : undefined;
  }, 10_000, 'every sender running');
  assert.ok(owners(three).every((n) => n <= 2), `at most two each: ${owners(three).join(',')}`);
  for (const id of ids) assert.equal(three.filter((h) => h.hub.dispatcher.owned?.has(id)).length, 1, `${id}: one owner`);
  // The scheduler, retention and imports each run in exactly one of them.
  const roleHolders = (hubs: TestHub[], role: string) => hubs.filter((h) => h.hub.cluster?.roles.has(role)).length;
  for (const role of ['scheduler', 'retention', 'imports']) assert.equal(roleHolders(three, role), 1, role);

  // One stops: the other two take its senders over, three each at most.
  // The one running the jobs for all, so they move too.
  const leaving = three.find((h) => h.hub.cluster?.roles.has('scheduler'))!;
  await leaving.close();
  open.delete(leaving);
  const rest = three.filter((h) => h !== leaving);
  const after = await eventually(async () => {
    const n = owners(rest);
    return n.reduce((a, b) => a + b, 0) === 5 ? n : undefined;
  }, 10_000, 'the senders taken over');
  assert.ok(after.every((n) => n <= 3), `at most three each: ${after.join(',')}`);
  // The jobs of the one that left go on in another.
  for (const role of ['scheduler', 'retention', 'imports']) await eventually(async () => (roleHolders(rest, role) === 1 ? true : undefined), 10_000, `${role} running again`);
});

test('a customer erased through a process without the sender: what the owner had claimed for them is not sent', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const own = await openPostgresStore();
  const sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'erase', token: 'erase-token' }], delays: { dispatchedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
  await sandbox.listen(0, '127.0.0.1');
  const env = { DATABASE_URL: own.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() };
  const options = { cluster: { balanceMs: 200 } };
  const two = [await startHub({ env, hub: options }), await startHub({ env, hub: options })];
  t.after(async () => {
    for (const h of two) await h.close();
    await own.close();
    await sandbox.close();
  });
  const pid = (await two[0]!.api.post('/api/v1/projects', { name: 'Erase' })).body.id;
  const created = await two[0]!.api.post(`/api/v1/projects/${pid}/integrations`, {
    provider: 'sinch_sms',
    config: { service_plan_id: 'erase', base_url: sandbox.url },
    secrets: { api_token: 'erase-token' },
    // One a second: most of what the owner claims waits in its buffer.
    rate_limit: 1,
  });
  const id = created.body.id as string;
  await two[0]!.api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: id });
  const owner = await eventually(async () => two.find((h) => h.hub.dispatcher.owned?.has(id)), 10_000, 'an owner');
  const other = two.find((h) => h !== owner)!;
  await other.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'leaving', phone: '+12025550177' });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await other.api.post(`/api/v1/projects/${pid}/messages`, { customer_id: 'leaving', body: `Note ${i}` })).body.id);
  // The owner has claimed them (its buffer), the first may be on its way.
  await eventually(async () => (owner.hub.dispatcher.queueDepths()[id]?.buffered ?? 0) >= 3 ? true : undefined, 10_000, 'the owner to claim them');
  assert.equal((await other.api.delete(`/api/v1/projects/${pid}/customers/leaving`)).status, 204);
  await eventually(async () => {
    const ms = await Promise.all(ids.map((m) => other.api.get(`/api/v1/projects/${pid}/messages/${m}`)));
    return ms.every((m) => m.body.dispatch_state === 'done' || m.body.dispatch_state === 'cancelled') ? ms : undefined;
  }, 10_000, 'every message settled');
  await new Promise((r) => setTimeout(r, 1500));
  const sent = sandbox.batches.filter((b) => ids.includes(b.batch.client_reference!)).length;
  assert.ok(sent <= 2, `at most the sends under way went out, not the claimed rest: ${sent} of ${ids.length}`);
});
