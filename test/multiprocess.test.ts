// Three real hub processes on one PostgreSQL database, behind a round-robin proxy (the load
// balancer): sends and delivery reports are spread over all three while one of them is killed
// with SIGKILL, in turn the owner of the integration's sender and two processes taking API calls
// and webhooks and processing callbacks. Every acknowledged message is delivered, no status of a message is recorded twice,
// a message sent twice is marked, the sender moves to a live process within seconds, and the
// provider never sees more than the integration's rate limit in any one-second window.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { SecretBox } from '../src/core/crypto.js';
import { createSinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { liveWorkerPids, senderHolders } from '../src/store/coordination.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from '../src/store/testing.js';
import { ApiClient, eventually, freePort, tempDir } from './helpers.js';
import { ready, roundRobin, startServe, type HubProcess } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'multiprocess-admin-token';
const SECRET_KEY = SecretBox.generateKey();
const RATE_LIMIT = 40;

let store: TestStore | null = null;
const dirs: string[] = [];
after(async () => {
  await store?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('three hub processes on one PostgreSQL database survive a SIGKILL of any of them', { timeout: 300_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  store = await openPostgresStore();
  const db = store.db;
  const sandbox = createSinchSmsSandbox({
    servicePlans: [{ id: 'mp', token: 'mp-token' }],
    delays: { dispatchedMs: 100, finalMs: 300 },
    retryBaseMs: 200,
    maxCallbackAttempts: 40,
  });
  await sandbox.listen(0, '127.0.0.1');
  const hubs: HubProcess[] = [];
  const proxy = await roundRobin(() => hubs.map((h) => h.port));
  const publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const api = new ApiClient(publicUrl, TOKEN);
  const env = (dataDir: string) => ({ databaseUrl: store!.url, publicUrl, dataDir, secretKey: SECRET_KEY, adminToken: TOKEN });
  try {
    for (let i = 0; i < 3; i++) {
      const dataDir = tempDir('switchboard-mp-');
      dirs.push(dataDir);
      hubs.push(startServe(env(dataDir), await freePort()));
    }
    await Promise.all(hubs.map(ready));

    const pid = (await api.post('/api/v1/projects', { name: 'Many' })).body.id;
    const integration = await api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'mp', base_url: sandbox.url },
      secrets: { api_token: 'mp-token' },
      rate_limit: RATE_LIMIT,
    });
    assert.equal(integration.status, 201);
    await api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: integration.body.id });

    const owner = async () => (await eventually(async () => (await senderHolders(db)).find((h) => hubs.some((p) => p.child.pid === h.pid)), 15_000, 'a sender lease holder')).pid;
    const acked: string[] = [];
    let seq = 0;

    let restarted: HubProcess | null = null;
    // Every process takes API calls and webhooks and processes callbacks; one of them also runs
    // the sender. Killed in turn: that one, then a process without the sender, then another
    // (one that has been processing callbacks since the start, not the one just restarted).
    for (const victimRole of ['owner', 'api', 'callbacks'] as const) {
      const ownerPid = await owner();
      const victim =
        victimRole === 'owner' ? hubs.find((h) => h.child.pid === ownerPid)! : hubs.find((h) => h.child.pid !== ownerPid && h !== restarted)!;
      const ackedBefore = acked.length;
      let stop = false;
      // Four clients sending through the load balancer until told to stop.
      const clients = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const i = seq++;
          try {
            const r = await api.post(`/api/v1/projects/${pid}/messages`, { phone: `+1202557${String(1000 + i).padStart(4, '0')}`, body: `Code ${i}` });
            if (r.status === 202) acked.push(r.body.id);
          } catch {
            /* cut off by the kill: not acknowledged */
          }
        }
      });
      await eventually(async () => (acked.length - ackedBefore >= 120 && sandbox.callbacks.some((c) => c.status === 200) ? true : undefined), 60_000, 'traffic');
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await new Promise((r) => victim.child.once('exit', r));
      hubs.splice(hubs.indexOf(victim), 1);
      if (victimRole === 'owner') {
        const next = await owner();
        const movedMs = Date.now() - killedAt;
        assert.notEqual(next, ownerPid);
        assert.ok(movedMs < 5000, `the sender moved to a live process in ${movedMs} ms`);
        t.diagnostic(`sender lease moved in ${movedMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 2000));
      stop = true;
      await Promise.all(clients);
      // Back to three for the next round, on the same port and data directory.
      const again = startServe(env(victim.dataDir), victim.port);
      await ready(again);
      hubs.push(again);
      restarted = again;

      // Every acknowledged message is delivered.
      await eventually(async () => {
        const r = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', acked).where('status', '=', 'delivered').executeTakeFirst();
        return Number(r!.n) === acked.length ? true : undefined;
      }, 90_000, `all ${acked.length} acknowledged messages delivered (${victimRole} killed)`).catch(async (err: unknown) => {
        const states = await db.selectFrom('messages').select((eb) => ['status', 'dispatch_state', 'claimed_by', eb.fn.countAll<number>().as('n')]).where('id', 'in', acked).groupBy(['status', 'dispatch_state', 'claimed_by']).execute();
        t.diagnostic(JSON.stringify({ states, holders: await senderHolders(db), hubs: hubs.map((h) => h.child.pid) }));
        throw err;
      });
    }
    await sandbox.idle();

    // No status of a message recorded twice; each delivered message has its three.
    const twice = await db.selectFrom('events').select((eb) => ['message_id', 'status', eb.fn.countAll<number>().as('n')]).where('message_id', 'in', acked).groupBy(['message_id', 'status']).having((eb) => eb.fn.countAll(), '>', 1).execute();
    assert.deepEqual(twice, []);
    const perMessage = await db.selectFrom('events').select((eb) => ['message_id', eb.fn.countAll<number>().as('n')]).where('message_id', 'in', acked).groupBy('message_id').execute();
    assert.equal(perMessage.length, acked.length);
    for (const m of perMessage) assert.equal(Number(m.n), 3, `${m.message_id}: enqueued, sent, delivered`);

    // Sent twice only when in flight at a kill, and then marked.
    const sends = new Map<string, number>();
    for (const b of sandbox.batches) sends.set(b.batch.client_reference!, (sends.get(b.batch.client_reference!) ?? 0) + 1);
    for (const id of acked) assert.ok((sends.get(id) ?? 0) >= 1, `${id} was sent`);
    const duplicated = [...sends].filter(([, n]) => n > 1).map(([id]) => id);
    if (duplicated.length) {
      const marked = await db.selectFrom('messages').select('id').where('id', 'in', duplicated).where('possible_duplicate', '=', 1).execute();
      assert.equal(marked.length, duplicated.length, 'every message sent twice is marked');
    }

    // The rate limit held across processes: at most RATE_LIMIT requests in any one-second window.
    const times = sandbox.batches.map((b) => Date.parse(b.batch.created_at)).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    assert.ok(busiest <= RATE_LIMIT, `at most ${RATE_LIMIT} sends in a second, saw ${busiest}`);

    // Reports reached all three processes' webhooks and every one answered 2xx was applied.
    t.diagnostic(JSON.stringify({ acked: acked.length, batches: sandbox.batches.length, duplicated: duplicated.length, busiest, callbacks: sandbox.callbacks.length }));
  } finally {
    for (const h of hubs) h.child.kill('SIGKILL');
    await Promise.all(hubs.filter((h) => h.child.exitCode === null && h.child.signalCode === null).map((h) => new Promise((r) => h.child.once('exit', r))));
    proxy.close();
    await sandbox.close();
  }
});

function serveWorkers(env: Record<string, string>, workers: string): { child: ChildProcess; stderr: () => string } {
  let err = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--workers', workers], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_SECRET_KEY: SECRET_KEY, SWITCHBOARD_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { child, stderr: () => err };
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

test('serve --workers refuses more than one process on SQLite, with the reason', { timeout: 60_000 }, async () => {
  const dataDir = tempDir('switchboard-mp-sqlite-');
  dirs.push(dataDir);
  const { child, stderr } = serveWorkers({ SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: '', PORT: String(await freePort()) }, '2');
  assert.equal(await exited(child), 2);
  assert.match(stderr(), /--workers above 1 needs PostgreSQL/);
  const bad = serveWorkers({ SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: '', PORT: String(await freePort()) }, 'two');
  assert.equal(await exited(bad.child), 2);
  assert.match(bad.stderr(), /--workers must be a whole number/);
});

test('serve --workers N on PostgreSQL: N processes on one port, a dead one replaced, a stop passed on to all', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const own = await openPostgresStore();
  const dataDir = tempDir('switchboard-mp-cluster-');
  dirs.push(dataDir);
  const port = await freePort();
  const { child } = serveWorkers({ SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: own.url, PORT: String(port) }, '3');
  try {
    await ready({ port, api: new ApiClient(`http://127.0.0.1:${port}`, TOKEN) });
    const first = await eventually(async () => {
      const pids = await liveWorkerPids(own.db);
      return pids.length === 3 ? pids : undefined;
    }, 60_000, 'three workers');
    process.kill(first[1]!, 'SIGKILL');
    const second = await eventually(async () => {
      const pids = await liveWorkerPids(own.db);
      return pids.length === 3 && !pids.includes(first[1]!) ? pids : undefined;
    }, 60_000, 'the killed worker replaced');
    assert.equal(second.filter((p) => first.includes(p)).length, 2);
    await ready({ port, api: new ApiClient(`http://127.0.0.1:${port}`, TOKEN) });
    child.kill('SIGTERM');
    assert.equal(await exited(child), 0);
    assert.deepEqual(await liveWorkerPids(own.db), []);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await own.close();
  }
});
