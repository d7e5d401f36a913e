// Nothing acknowledged is lost: the hub is killed with SIGKILL in the middle of a campaign while
// delivery reports flow, then restarted on the same database. Every message the API accepted is
// sent (twice only if it was in flight at the kill, and then marked), and every delivery report
// the hub answered 2xx ends up as its event.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createSinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { ApiClient, eventually, freePort, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'crash-test-admin-token';

function startProcess(dataDir: string, port: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, PORT: String(port), SWITCHBOARD_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'error', ALLOW_LOOPBACK_PROVIDER_URLS: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function ready(api: ApiClient): Promise<void> {
  await eventually(async () => ((await api.get('/readyz')).status === 200 ? true : undefined), 30_000, 'the hub to be ready');
}

const dataDir = tempDir('switchboard-crash-');
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a SIGKILL mid-campaign loses nothing that was acknowledged', { timeout: 120_000 }, async (t) => {
  const sandbox = createSinchSmsSandbox({
    servicePlans: [{ id: 'crash', token: 'crash-token' }],
    delays: { dispatchedMs: 100, finalMs: 400 },
    retryBaseMs: 200,
    maxCallbackAttempts: 30,
  });
  await sandbox.listen(0, '127.0.0.1');
  const port = await freePort();
  const api = new ApiClient(`http://127.0.0.1:${port}`, TOKEN);
  let child = startProcess(dataDir, port);
  try {
    await ready(api);
    const pid = (await api.post('/api/v1/projects', { name: 'Crash' })).body.id;
    const integration = await api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'crash', base_url: sandbox.url },
      secrets: { api_token: 'crash-token' },
      rate_limit: 150,
    });
    await api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: integration.body.id });
    const audience: string[] = [];
    for (let i = 0; i < 400; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => {
          const id = `cust-${i + j}`;
          audience.push(id);
          return api.post(`/api/v1/projects/${pid}/customers`, { customer_id: id, phone: `+1202555${String(5000 + i + j)}` });
        }),
      );
    }
    const campaign = await api.post(`/api/v1/projects/${pid}/campaigns`, { name: 'Flash sale', body: 'Flash sale now on!', audience: { customer_ids: audience } });
    const launched = await api.post(`/api/v1/projects/${pid}/campaigns/${campaign.body.id}/launch`);
    assert.equal(launched.status, 200);
    assert.equal(launched.body.launch_summary.queued, 400);

    // Transactional sends keep arriving until the kill; those answered 202 must all go out.
    const acked: string[] = [];
    let killed = false;
    const sender = (async () => {
      for (let i = 0; !killed; i++) {
        try {
          const r = await api.post(`/api/v1/projects/${pid}/messages`, { phone: `+1202556${String(1000 + i)}`, body: `OTP ${i}` });
          if (r.status === 202) acked.push(r.body.id);
        } catch {
          /* the process is gone: nothing was acknowledged */
        }
      }
    })();

    // Kill once a good share has gone out and reports are flowing back.
    await eventually(async () => (sandbox.batches.length >= 120 && sandbox.callbacks.some((c) => c.status === 200) ? true : undefined), 30_000, 'traffic');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    killed = true;
    await sender;
    const sentBeforeKill = sandbox.batches.length;
    assert.ok(sentBeforeKill < 400 + acked.length, 'the kill came mid-campaign');

    child = startProcess(dataDir, port);
    await ready(api);

    const all = [...acked];
    const campaignMessages = await eventually(async () => {
      const stats = await api.get(`/api/v1/projects/${pid}/campaigns/${campaign.body.id}/stats`);
      return stats.body.current_status.delivered === 400 ? stats.body : undefined;
    }, 60_000, 'the whole campaign delivered');
    assert.equal(campaignMessages.messages, 400);
    const ackedMessages = await eventually(async () => {
      const ms = await Promise.all(acked.map((id) => api.get(`/api/v1/projects/${pid}/messages/${id}`)));
      return ms.every((m) => m.body.status === 'delivered') ? ms.map((m) => m.body) : undefined;
    }, 60_000, 'every acknowledged transactional message delivered');
    assert.equal(ackedMessages.length, acked.length);
    await sandbox.idle();

    // Every message went out; the ones sent twice are exactly those marked as possibly duplicated.
    const batchesPerMessage = new Map<string, number>();
    for (const b of sandbox.batches) {
      const ref = b.batch.client_reference!;
      batchesPerMessage.set(ref, (batchesPerMessage.get(ref) ?? 0) + 1);
    }
    const events: any[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: any = await api.get(`/api/v1/projects/${pid}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      events.push(...page.body.data);
      cursor = page.body.next_cursor;
    }
    const byMessage = new Map<string, string[]>();
    for (const e of events) {
      const list = byMessage.get(e.properties.message_id) ?? [];
      list.push(e.properties.status);
      byMessage.set(e.properties.message_id, list);
    }
    const campaignIds = events.filter((e) => e.properties.campaign_id === campaign.body.id).map((e) => e.properties.message_id as string);
    for (const id of new Set([...campaignIds, ...all])) {
      assert.ok((batchesPerMessage.get(id) ?? 0) >= 1, `${id} was sent`);
      assert.deepEqual([...(byMessage.get(id) ?? [])].sort(), ['delivered', 'enqueued', 'sent'], `${id}: each status once`);
    }
    const duplicated = [...batchesPerMessage].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of duplicated) {
      const m = await api.get(`/api/v1/projects/${pid}/messages/${id}`);
      assert.equal(m.body.possible_duplicate, true, `${id} was sent twice and is marked`);
    }
    t.diagnostic(JSON.stringify({ sentBeforeKill, acked: acked.length, duplicated: duplicated.length, callbacks: sandbox.callbacks.length, failedCallbacks: sandbox.callbacks.filter((c) => c.status !== 200).length }));
    assert.ok(duplicated.length < 100, `few duplicates (${duplicated.length}): only what was in flight`);

    // Every report the hub acknowledged became its event.
    const statusOf: Record<string, string> = { Dispatched: 'sent', Delivered: 'delivered' };
    for (const c of sandbox.callbacks.filter((x) => x.status === 200 && x.kind !== 'inbound')) {
      const ref = c.payload.client_reference as string;
      assert.ok(byMessage.get(ref)?.includes(statusOf[c.payload.status as string]!), `acknowledged ${String(c.payload.status)} of ${ref} was processed`);
    }
  } finally {
    child.kill('SIGKILL');
    await sandbox.close();
  }
});
