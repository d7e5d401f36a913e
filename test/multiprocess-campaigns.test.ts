// Campaigns, imports and the coordination session across real hub processes on one PostgreSQL
// database: a fan-out whose process is killed with SIGKILL is resumed by another, a process that
// loses its coordination session exits with code 70 and its leases move, and the news between
// processes (a campaign paused, resumed or cancelled; something scheduled; an import queued)
// reaches the process that acts on it. The news tests run hubs whose polls are a minute long, so
// without the news nothing would happen within the test's time.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, test, type TestContext } from 'node:test';
import { SecretBox } from '../src/core/crypto.js';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { Coordinator, endCoordinationSession, LockSpace, launchHolder, roleHolders, senderHolders } from '../src/store/coordination.js';
import type { DB } from '../src/store/db.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from '../src/store/testing.js';
import { ApiClient, eventually, freePort, startHub, tempDir } from './helpers.js';
import { killAll, ready, roundRobin, startHubProcess, startServe, type HubProcess, type ProcessEnv } from './processes.js';

const TOKEN = 'multiprocess-campaigns-admin-token';
const SECRET_KEY = SecretBox.generateKey();

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  store: TestStore;
  db: DB;
  sandbox: SinchSmsSandbox;
  /** The load balancer's address: what providers call back. */
  api: ApiClient;
  env: ProcessEnv;
  hubs: HubProcess[];
}

/** A fresh database, the Sinch sandbox and a load balancer over `hubs` (filled by the test); all torn down after it. */
async function setUp(t: TestContext): Promise<Setup> {
  const store = await openPostgresStore();
  const sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'mpc', token: 'mpc-token' }], delays: { dispatchedMs: 50, finalMs: 150 }, retryBaseMs: 200, maxCallbackAttempts: 40 });
  await sandbox.listen(0, '127.0.0.1');
  const hubs: HubProcess[] = [];
  const proxy = await roundRobin(() => hubs.filter((h) => h.child.exitCode === null && h.child.signalCode === null).map((h) => h.port));
  const publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // One data folder for all, as docs/deploy.md asks: an upload lands where the import runs.
  const dataDir = tempDir('switchboard-mpc-');
  dirs.push(dataDir);
  t.after(async () => {
    await killAll(hubs);
    proxy.close();
    await sandbox.close();
    await store.close();
  });
  return { store, db: store.db, sandbox, api: new ApiClient(publicUrl, TOKEN), env: { databaseUrl: store.url, publicUrl, dataDir, secretKey: SECRET_KEY, adminToken: TOKEN }, hubs };
}

/** A project whose SMS go to the sandbox through one integration. */
async function project(api: ApiClient, sandbox: SinchSmsSandbox, rateLimit?: number): Promise<{ pid: string; integrationId: string }> {
  const pid = (await api.post('/api/v1/projects', { name: 'Campaigns' })).body.id as string;
  const integration = await api.post(`/api/v1/projects/${pid}/integrations`, {
    provider: 'sinch_sms',
    config: { service_plan_id: 'mpc', base_url: sandbox.url },
    secrets: { api_token: 'mpc-token' },
    ...(rateLimit && { rate_limit: rateLimit }),
  });
  assert.equal(integration.status, 201);
  await api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: integration.body.id });
  return { pid, integrationId: integration.body.id };
}

/** Imports `n` customers c0… through `via` and waits for the import to be done. */
async function importCustomers(via: ApiClient, pid: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  const csv = ['customer_id,phone', ...ids.map((id, i) => `${id},+1202${5_000_000 + i}`)].join('\n') + '\n';
  const up = await via.call('POST', `/api/v1/projects/${pid}/imports`, csv, { 'content-type': 'text/csv' });
  assert.equal(up.status, 202);
  await eventually(async () => {
    const job = (await via.get(`/api/v1/projects/${pid}/imports/${up.body.id}`)).body;
    if (job.state === 'failed') throw new Error(job.error);
    return job.state === 'done' ? true : undefined;
  }, 30_000, 'the import to be done');
  return ids;
}

const pidOf = (hubs: HubProcess[], pid: number | null | undefined) => hubs.find((h) => h.child.pid === pid);

async function countOf(db: DB, campaignId: string): Promise<{ rows: number; customers: number }> {
  const r = await db
    .selectFrom('messages')
    .select((eb) => [eb.fn.countAll<number>().as('rows'), eb.fn.count<number>('customer_ref').distinct().as('customers')])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return { rows: Number(r.rows), customers: Number(r.customers) };
}

test('a campaign fan-out whose process is killed with SIGKILL is resumed by another: one message per customer, the right counts', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const { db, sandbox, api, env, hubs } = await setUp(t);
  const phases: Record<string, number> = {};
  let last = Date.now();
  const phase = (name: string) => {
    phases[name] = Date.now() - last;
    last = Date.now();
  };
  for (let i = 0; i < 3; i++) hubs.push(startServe(env, await freePort()));
  await Promise.all(hubs.map(ready));
  phase('start');
  // A rate limit keeps the sending light: what is checked here is the fan-out.
  const { pid } = await project(api, sandbox, 100);
  // More than one launch transaction (5,000 customers each) in each of the launch's two lanes
  // (they run side by side on PostgreSQL), so the kill can fall between two.
  const N = 20_000;
  const ids = await importCustomers(api, pid, N);
  phase('import');
  const created = await api.post(`/api/v1/projects/${pid}/campaigns`, { name: 'Big', body: 'Hello {{ customer.customer_id }}', audience: { customer_ids: ids } });
  assert.equal(created.status, 201);
  const cid = created.body.id as string;

  // Launched through one process: it holds the launch lease while it fans out.
  const launcher = hubs[1]!;
  const answered = launcher.api.post(`/api/v1/projects/${pid}/campaigns/${cid}/launch`).catch(() => null);
  const holder = await eventually(async () => {
    const [who, { rows }] = await Promise.all([launchHolder(db, cid), countOf(db, cid)]);
    return who !== null && rows > 0 ? who : undefined;
  }, 30_000, 'the fan-out to be under way');
  phase('first chunk');
  assert.equal(holder, launcher.child.pid, 'the launch lease is held by the process that took the launch');
  launcher.child.kill('SIGKILL');
  await launcher.exited;
  const atKill = await countOf(db, cid);
  assert.equal((await answered)?.status ?? 0, 0, 'the launch request died with its process');
  assert.ok(atKill.rows < N, `killed mid-fan-out (${atKill.rows} of ${N} queued)`);
  t.diagnostic(`killed with ${atKill.rows} of ${N} queued`);

  // Another process takes the lease and runs the fan-out on.
  const resumedBy = await eventually(async () => pidOf(hubs, await launchHolder(db, cid)), 10_000, 'another process to take the launch lease').catch(() => null);
  if (resumedBy) assert.notEqual(resumedBy, launcher);
  const campaign = await eventually(async () => {
    const c = (await api.get(`/api/v1/projects/${pid}/campaigns/${cid}`)).body;
    return c.state === 'launched' ? c : undefined;
  }, 60_000, 'the campaign to be launched');
  phase('resumed to the end');
  assert.equal(await launchHolder(db, cid), null, 'the lease given back');

  // Exactly one message per customer, and counts that say so.
  assert.deepEqual(await countOf(db, cid), { rows: N, customers: N });
  assert.equal(campaign.audience_size, N);
  assert.equal(campaign.launch_summary.audience, N);
  assert.equal(campaign.launch_summary.queued, N);
  // What went out meanwhile went out once (a send in flight at the kill may go twice, and is then marked).
  const sent = new Map<string, number>();
  for (const b of sandbox.batches) sent.set(b.batch.client_reference!, (sent.get(b.batch.client_reference!) ?? 0) + 1);
  const twice = [...sent].filter(([, n]) => n > 1).map(([id]) => id);
  if (twice.length) {
    const marked = await db.selectFrom('messages').select('id').where('id', 'in', twice).where('possible_duplicate', '=', 1).execute();
    assert.equal(marked.length, twice.length, 'every message sent twice is marked');
  }
  t.diagnostic(JSON.stringify({ resumedBy: resumedBy?.child.pid ?? 'finished before seen', sent: sent.size, twice: twice.length, phases }));
});

/** The hub process among `hubs` holding the integration's sender lease (one integration on the store). */
async function senderOwner(db: DB, hubs: HubProcess[]): Promise<HubProcess> {
  return eventually(async () => pidOf(hubs, (await senderHolders(db))[0]?.pid), 15_000, 'a sender lease holder');
}

async function roleOwner(db: DB, hubs: HubProcess[], role: string): Promise<HubProcess> {
  return eventually(async () => pidOf(hubs, (await roleHolders(db)).find((r) => r.role === role)?.pid), 15_000, `a holder of the ${role} job`);
}

test('a process whose coordination session is cut exits with code 70; its leases move and nothing acknowledged is lost', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const { db, sandbox, api, env, hubs } = await setUp(t);
  for (let i = 0; i < 2; i++) hubs.push(startServe(env, await freePort()));
  await Promise.all(hubs.map(ready));
  const { pid, integrationId } = await project(api, sandbox, 50);
  // A second integration: each process holds one sender lease (an even share).
  const second = await api.post(`/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', name: 'second', config: { service_plan_id: 'mpc', base_url: sandbox.url }, secrets: { api_token: 'mpc-token' }, rate_limit: 50 });
  assert.equal(second.status, 201);
  const integrations = [integrationId, second.body.id as string];
  await eventually(async () => {
    const holders = (await senderHolders(db)).map((h) => h.pid);
    return holders.length === 2 && hubs.every((h) => holders.includes(h.child.pid!)) ? true : undefined;
  }, 15_000, 'one sender lease in each process');
  // The one cut off runs the jobs for all too, so every kind of lease has to move.
  const victim = await roleOwner(db, hubs, 'scheduler');
  const survivor = hubs.find((h) => h !== victim)!;
  const victimJobs = (await roleHolders(db)).filter((r) => r.pid === victim.child.pid).map((r) => r.role);

  const acked: string[] = [];
  let stop = false;
  let seq = 0;
  // Three clients sending through the load balancer (to both processes) until told to stop.
  const clients = Array.from({ length: 3 }, async () => {
    while (!stop) {
      const i = seq++;
      try {
        const r = await api.post(`/api/v1/projects/${pid}/messages`, { phone: `+1202557${String(1000 + i).padStart(4, '0')}`, body: `Code ${i}`, integration_id: integrations[i % 2] });
        if (r.status === 202) acked.push(r.body.id);
      } catch {
        /* cut off by the exit: not acknowledged */
      }
    }
  });
  await eventually(async () => (acked.length >= 60 && sandbox.batches.length >= 20 ? true : undefined), 30_000, 'traffic');

  // The server ends the victim's coordination session, as after a cut network or a restart of
  // PostgreSQL; its pooled connections are untouched (they carry no application name of ours).
  const cutAt = Date.now();
  assert.equal(await endCoordinationSession(db, victim.child.pid!), 1, 'one coordination session per process');
  const code = await Promise.race([victim.exited, new Promise((r) => setTimeout(r, 10_000, 'still running 10 s later'))]);
  assert.equal(code, 70);
  t.diagnostic(`exited ${Date.now() - cutAt} ms after its session was cut`);

  // Its leases are the survivor's within seconds: the sender and the jobs it ran for all.
  await eventually(async () => {
    const holders = (await senderHolders(db)).map((h) => h.pid);
    return holders.length === 2 && holders.every((p) => p === survivor.child.pid) ? true : undefined;
  }, 10_000, 'both sender leases in the survivor');
  for (const role of ['scheduler', 'retention', 'imports']) assert.equal(await roleOwner(db, hubs, role), survivor, role);
  t.diagnostic(`leases moved within ${Date.now() - cutAt} ms (the victim ran ${victimJobs.join(', ')})`);
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(clients);

  // Every acknowledged message is delivered, each status once.
  await eventually(async () => {
    const r = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', acked).where('status', '=', 'delivered').executeTakeFirstOrThrow();
    return Number(r.n) === acked.length ? true : undefined;
  }, 60_000, `all ${acked.length} acknowledged messages delivered`);
  const twice = await db.selectFrom('events').select((eb) => ['message_id', 'status', eb.fn.countAll<number>().as('n')]).where('message_id', 'in', acked).groupBy(['message_id', 'status']).having((eb) => eb.fn.countAll(), '>', 1).execute();
  assert.deepEqual(twice, []);
  t.diagnostic(JSON.stringify({ acked: acked.length, batches: sandbox.batches.length }));
});

/** Hubs whose polls are a minute long: only news from another process makes them act sooner. */
const DEAF = { dispatcher: { pollMs: 60_000 }, scheduler: { pollMs: 60_000 }, imports: { pollMs: 60_000 }, cluster: { balanceMs: 200 } };

/** Sends of the campaign the sandbox accepted, in order. */
function campaignSends(sandbox: SinchSmsSandbox, messageIds: Set<string>): number[] {
  return sandbox.batches.filter((b) => messageIds.has(b.batch.client_reference!)).map((b) => Date.parse(b.batch.created_at));
}

test('pause, resume and cancel through a process without the sender reach the process that sends', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const { db, sandbox, env, hubs } = await setUp(t);
  for (let i = 0; i < 2; i++) hubs.push(startHubProcess(env, await freePort(), DEAF));
  await Promise.all(hubs.map(ready));
  // Four a second: the sender's buffer (8 claimed ahead) would keep it sending for two seconds
  // after a pause that did not reach it.
  const { pid } = await project(hubs[0]!.api, sandbox, 4);
  const owner = await senderOwner(db, hubs);
  const a = hubs.find((h) => h !== owner)!.api;
  const N = 40;
  for (let i = 0; i < N; i++) assert.equal((await a.post(`/api/v1/projects/${pid}/customers`, { customer_id: `p${i}`, phone: `+1202555${String(1000 + i)}` })).status, 201);
  const created = await a.post(`/api/v1/projects/${pid}/campaigns`, { name: 'Held', body: 'Hello', audience: { customer_ids: Array.from({ length: N }, (_, i) => `p${i}`) } });
  const cid = created.body.id as string;
  assert.equal((await a.post(`/api/v1/projects/${pid}/campaigns/${cid}/launch`)).status, 200);
  const ids = new Set((await db.selectFrom('messages').select('id').where('campaign_id', '=', cid).execute()).map((m) => m.id));
  assert.equal(ids.size, N);
  const sends = () => campaignSends(sandbox, ids);
  await eventually(async () => (sends().length >= 3 ? true : undefined), 10_000, 'the campaign to be sending');

  // Paused: the owner stops at once, with what it had claimed unsent.
  assert.equal((await a.post(`/api/v1/projects/${pid}/campaigns/${cid}/pause`)).status, 200);
  const pausedAt = Date.now();
  await new Promise((r) => setTimeout(r, 2500));
  // At most what was under way (a loaded machine may answer it late); not the claimed rest.
  const late = sends().filter((at) => at > pausedAt);
  assert.ok(late.length <= 2 && late.every((at) => at < pausedAt + 1000), `sends after the pause: ${late.map((at) => at - pausedAt).join(', ')} ms`);
  const whilePaused = sends().length;
  const states = await db.selectFrom('messages').select((eb) => ['dispatch_state', eb.fn.countAll<number>().as('n')]).where('campaign_id', '=', cid).groupBy('dispatch_state').execute();
  const parked = Number(states.find((s) => s.dispatch_state === 'paused')?.n ?? 0);
  assert.equal(parked, N - whilePaused, `every unsent message parked: ${JSON.stringify(states)}`);

  // Resumed: sending goes on.
  const resumedAt = Date.now();
  assert.equal((await a.post(`/api/v1/projects/${pid}/campaigns/${cid}/resume`)).status, 200);
  await eventually(async () => (sends().length >= whilePaused + 4 ? true : undefined), 5000, 'sending to go on after the resume');
  t.diagnostic(`first send ${sends().find((at) => at >= resumedAt)! - resumedAt} ms after the resume`);

  // Cancelled: the owner stops at once, and whatever was not sent is cancelled with its reason.
  const cancelled = await a.post(`/api/v1/projects/${pid}/campaigns/${cid}/cancel`);
  assert.equal(cancelled.status, 200);
  const cancelledAt = Date.now();
  await new Promise((r) => setTimeout(r, 2500));
  const lateAfterCancel = sends().filter((at) => at > cancelledAt);
  assert.ok(lateAfterCancel.length <= 2 && lateAfterCancel.every((at) => at < cancelledAt + 1000), `sends after the cancel: ${lateAfterCancel.map((at) => at - cancelledAt).join(', ')} ms`);
  const sent = new Set(sandbox.batches.map((b) => b.batch.client_reference!).filter((id) => ids.has(id)));
  const rows = await db.selectFrom('messages').select(['id', 'dispatch_state', 'last_error']).where('campaign_id', '=', cid).execute();
  const unsent = rows.filter((m) => !sent.has(m.id));
  assert.ok(unsent.length >= N / 2, `most were still waiting (${unsent.length})`);
  for (const m of unsent) {
    assert.equal(m.dispatch_state, 'cancelled', `${m.id} cancelled`);
    assert.deepEqual(JSON.parse(m.last_error!), { reason: 'campaign_cancelled' });
  }
  const campaign = (await a.get(`/api/v1/projects/${pid}/campaigns/${cid}`)).body;
  assert.equal(campaign.state, 'cancelled');
  assert.equal(campaign.cancelled_messages, unsent.length);
});

test('a campaign and a send scheduled, and an import queued, through one process are acted on in time by the process that runs them', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const { db, sandbox, env, hubs } = await setUp(t);
  for (let i = 0; i < 2; i++) hubs.push(startHubProcess(env, await freePort(), DEAF));
  await Promise.all(hubs.map(ready));
  const { pid } = await project(hubs[0]!.api, sandbox);

  // An import uploaded to the process that does not run imports: the one that does reads the
  // file from the shared data folder at once, not at its next look a minute later.
  const importer = await roleOwner(db, hubs, 'imports');
  const viaOther = hubs.find((h) => h !== importer)!.api;
  const queuedAt = Date.now();
  await importCustomers(viaOther, pid, 20);
  const importMs = Date.now() - queuedAt;
  t.diagnostic(`import done ${importMs} ms after its upload`);
  assert.ok(importMs < 10_000, `the import done in ${importMs} ms`);

  // A campaign scheduled through the process without the scheduler launches at its time.
  const scheduler = await roleOwner(db, hubs, 'scheduler');
  const a = hubs.find((h) => h !== scheduler)!.api;
  const sendAt = Date.now() + 2500;
  const created = await a.post(`/api/v1/projects/${pid}/campaigns`, { name: 'Later', body: 'Hello', audience: { customer_ids: ['c0', 'c1', 'c2'] }, send_at: new Date(sendAt).toISOString() });
  assert.equal(created.status, 201);
  assert.equal(created.body.state, 'scheduled');
  const cid = created.body.id as string;
  const launched = await eventually(async () => {
    const c = (await a.get(`/api/v1/projects/${pid}/campaigns/${cid}`)).body;
    return c.state === 'launched' ? c : undefined;
  }, 15_000, 'the scheduled campaign to launch');
  const launchedAt = Date.parse(launched.launched_at);
  // Within seconds (a loaded machine is slow to answer), not at the scheduler's next look a minute later.
  assert.ok(launchedAt >= sendAt && launchedAt < sendAt + 3000, `launched ${launchedAt - sendAt} ms after its send_at`);
  const ids = new Set((await db.selectFrom('messages').select('id').where('campaign_id', '=', cid).execute()).map((m) => m.id));
  await eventually(async () => (campaignSends(sandbox, ids).length === 3 ? true : undefined), 5000, 'the campaign sent');
  t.diagnostic(`scheduled campaign launched ${launchedAt - sendAt} ms after its send_at, sent by ${Math.max(...campaignSends(sandbox, ids)) - sendAt} ms`);

  // A send scheduled through the process without the sender goes out at its time: the owner,
  // idle until its next look a minute later, learns of it at once.
  const owner = await senderOwner(db, hubs);
  const b = hubs.find((h) => h !== owner)!.api;
  await new Promise((r) => setTimeout(r, 500));
  const at = Date.now() + 2000;
  const later = await b.post(`/api/v1/projects/${pid}/messages`, { customer_id: 'c3', body: 'Later', send_at: new Date(at).toISOString() });
  assert.equal(later.status, 202);
  const out = await eventually(async () => campaignSends(sandbox, new Set([later.body.id]))[0], 10_000, 'the scheduled send');
  assert.ok(out >= at && out < at + 3000, `sent ${out - at} ms after its send_at`);
});

test('a launch resumed in one process while another holds its lease is left to that process', { timeout: 60_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const store = await openPostgresStore();
  const hub = await startHub({ env: { DATABASE_URL: store.url, SWITCHBOARD_SECRET_KEY: SECRET_KEY }, hub: { cluster: { balanceMs: 60_000 } } });
  // Another process, as the store sees it: a coordination session of its own.
  const other = await Coordinator.connect(store.url, 'other');
  t.after(async () => {
    await other.close();
    await hub.close();
    await store.close();
  });
  const { api } = hub;
  const pid = (await api.post('/api/v1/projects', { name: 'Leased' })).body.id as string;
  const integration = await api.post(`/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', config: { service_plan_id: 'x', base_url: 'http://127.0.0.1:9' }, secrets: { api_token: 't' } });
  await api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: integration.body.id });
  for (let i = 0; i < 3; i++) await api.post(`/api/v1/projects/${pid}/customers`, { customer_id: `l${i}`, phone: `+1202555${2000 + i}` });
  const cid = (await api.post(`/api/v1/projects/${pid}/campaigns`, { name: 'Leased', body: 'Hi', audience: { customer_ids: ['l0', 'l1', 'l2'] } })).body.id as string;
  // Launching, its fan-out leased by the other process (as after a resume that process took first).
  assert.equal(await other.tryLock(LockSpace.launch, cid), true);
  await store.db.updateTable('campaigns').set({ state: 'launching', integration_id: integration.body.id, launched_at: Date.now() }).where('id', '=', cid).execute();

  hub.hub.continueLaunch(pid, cid);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await countOf(store.db, cid)).rows, 0, 'no fan-out beside the one the lease holder runs');
  assert.equal(await launchHolder(store.db, cid), process.pid);

  // Free again: a resume here runs it, under the lease, and gives it back.
  await other.unlock(LockSpace.launch, cid);
  hub.hub.continueLaunch(pid, cid);
  await eventually(async () => ((await api.get(`/api/v1/projects/${pid}/campaigns/${cid}`)).body.state === 'launched' ? true : undefined), 10_000, 'the launch to finish');
  assert.equal((await countOf(store.db, cid)).rows, 3);
  assert.equal(await launchHolder(store.db, cid), null);
});
