// A burst of delivery reports through a real hub's webhook route, on each store: every report is
// stored once and processed once (on PostgreSQL in batches stored by one statement and processed
// by two lanes side by side), and reports naming no message of the hub are logged once per
// interval, not once each, while each keeps its outcome.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { request } from 'undici';
import { SecretBox } from '../src/core/crypto.js';
import { openDatabase } from '../src/store/db.js';
import { messageRow } from '../src/store/fixtures.js';
import * as messageStore from '../src/store/messages.js';
import { openPostgresStore, postgresUnavailable, sessionsWaitingForLocks, storeBackends, type TestStore } from '../src/store/testing.js';
import { capturedLogger, eventually, startHub, type TestHub } from './helpers.js';

const REPORTS = 600;

for (const backend of await storeBackends()) {
  describe(`a burst of delivery reports (${backend.kind})`, { skip: backend.skip }, () => {
    let store: TestStore | null = null;
    let t: TestHub | null = null;
    after(async () => {
      await t?.close();
      await store?.close();
    });

    test('each stored once and processed once; the unmatched ones logged once', { timeout: 120_000 }, async () => {
      const { logger, lines } = capturedLogger('warn');
      let env: Record<string, string> = {};
      if (backend.kind === 'postgres') {
        store = await backend.open();
        env = { DATABASE_URL: store.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() };
      }
      t = await startHub({ env, logger });
      const pid = (await t.api.post('/api/v1/projects', { name: 'Burst' })).body.id;
      const integration = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
        provider: 'sinch_sms',
        // Never called: the reports name batches the hub did not send.
        config: { service_plan_id: 'plan', base_url: 'http://127.0.0.1:9' },
        secrets: { api_token: 'token' },
      });
      assert.equal(integration.status, 201, JSON.stringify(integration.body));
      const url: string = integration.body.webhook_urls.delivery;
      const report = (i: number) =>
        JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: `B-${i}`, recipient: '+12025550140', code: 0, status: 'Delivered', at: '2026-11-23T10:00:01.000Z' });
      // Each report twice, all at once: a provider retrying while the first try is in flight.
      const posts = [...Array(REPORTS).keys()].flatMap((i) => [i, i]).map(async (i) => {
        const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: report(i) });
        await res.body.dump();
        return res.statusCode;
      });
      assert.deepEqual(new Set(await Promise.all(posts)), new Set([200]));

      const db = t.hub.db;
      await eventually(async () => ((await t!.hub.processor.pending()) === 0 ? true : undefined), 60_000, 'every report processed');
      const rows = await db.selectFrom('callbacks').select(['body', 'outcome', 'processed_at']).execute();
      assert.equal(rows.length, REPORTS, 'each report stored once');
      assert.equal(new Set(rows.map((r) => Buffer.from(r.body).toString())).size, REPORTS);
      assert.ok(rows.every((r) => r.outcome === 'unmatched' && r.processed_at !== null));
      const warned = lines.filter((l) => l.msg === 'receipt matched no message');
      assert.equal(warned.length, 1, `one line for ${REPORTS} unmatched reports, got ${warned.length}`);
      assert.equal(warned[0]!.integration_id, integration.body.id);
    });
  });
}

// PostgreSQL aborts one of two transactions that wait on each other's locks. A report batch locks
// the messages named by our id, then those named by the provider's id: a batch (another lane, or
// another process) locking them the other way round deadlocks with it. The batch aborted is taken
// again at once and applied; it is not an error.
test('a report batch the server aborts in a deadlock is taken again and applied, without an error', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const store = await openPostgresStore();
  const { logger, lines } = capturedLogger('warn');
  const hub = await startHub({ env: { DATABASE_URL: store.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() }, logger });
  // Another connection to the store that checks for deadlocks only after 10 s, so the batch
  // (PostgreSQL's default: 1 s) is the transaction aborted.
  const other = openDatabase(`${store.url}?options=${encodeURIComponent('-c deadlock_timeout=10s')}`);
  try {
    const pid = (await hub.api.post('/api/v1/projects', { name: 'Deadlock' })).body.id;
    const integration = await hub.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan', base_url: 'http://127.0.0.1:9' },
      secrets: { api_token: 'token' },
    });
    const iid: string = integration.body.id;
    const now = Date.now();
    const sent = (id: string, recipient: string) =>
      messageRow(id, { project_id: pid, integration_id: iid, recipient, status: 'accepted', dispatch_state: 'done', provider_message_id: `B-${id}`, sent_at_us: now * 1000, created_at: now, updated_at: now });
    await messageStore.insert(hub.hub.db, sent('msg_dl_1', '+12025550141'));
    await messageStore.insert(hub.hub.db, sent('msg_dl_2', '+12025550142'));

    const lock = (db: typeof other, id: string) => db.selectFrom('messages').select('id').where('id', '=', id).forUpdate().execute();
    const at = new Date(now).toISOString();
    const reports = [
      // By our id (client_reference), then by the provider's batch id alone.
      { type: 'recipient_delivery_report_sms', batch_id: 'B-msg_dl_1', recipient: '+12025550141', code: 0, status: 'Delivered', at, client_reference: 'msg_dl_1' },
      { type: 'recipient_delivery_report_sms', batch_id: 'B-msg_dl_2', recipient: '+12025550142', code: 0, status: 'Delivered', at },
    ];
    const url: string = integration.body.webhook_urls.delivery;
    // The other connection holds the second message while the reports come in.
    await other.transaction().execute(async (trx) => {
      await lock(trx, 'msg_dl_2');
      const answers = await Promise.all(
        reports.map(async (r) => {
          const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
          await res.body.dump();
          return res.statusCode;
        }),
      );
      assert.deepEqual(answers, [200, 200]);
      // The batch holds the first message and waits for the second.
      await eventually(async () => ((await sessionsWaitingForLocks(trx)) > 0 ? true : undefined), 10_000, 'the batch waiting for the held message');
      // Now this transaction wants the first: the server aborts the batch, and this one goes on.
      await lock(trx, 'msg_dl_1');
    });

    await eventually(async () => {
      const rows = await hub.hub.db.selectFrom('messages').select(['id', 'status']).where('id', 'in', ['msg_dl_1', 'msg_dl_2']).execute();
      return rows.length === 2 && rows.every((r) => r.status === 'delivered') ? true : undefined;
    }, 30_000, 'both reports applied');
    const callbacks = await hub.hub.db.selectFrom('callbacks').select('outcome').execute();
    assert.deepEqual(callbacks.map((c) => c.outcome), ['applied', 'applied']);
    assert.deepEqual(lines.filter((l) => (l.level as number) >= 50).map((l) => l.msg), [], 'no error logged');
  } finally {
    await other.destroy();
    await hub.close();
    await store.close();
  }
});
