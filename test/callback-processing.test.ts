// A burst of delivery reports through a real hub's webhook route, on each store: every report is
// stored once and processed once (on PostgreSQL in batches stored by one statement and processed
// by two lanes side by side), and reports naming no message of the hub are logged once per
// interval, not once each, while each keeps its outcome.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { request } from 'undici';
import { SecretBox } from '../src/core/crypto.js';
import { storeBackends, type TestStore } from '../src/store/testing.js';
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
