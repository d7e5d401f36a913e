// Two hubs on one PostgreSQL database take the same writes at once: the first sends to a new
// number, and retries of one Idempotency-Key. Each process checks before it writes, but the
// other may write in between; the database's unique indexes decide, and the loser must answer
// as if it had come second (the customer found, the first message replayed), never with a 500.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SecretBox } from '../src/core/crypto.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from '../src/store/testing.js';
import { startHub, type TestHub } from './helpers.js';

let store: TestStore | null = null;
const hubs: TestHub[] = [];
after(async () => {
  for (const h of hubs) await h.close();
  await store?.close();
});

test('first sends to one new number and retries of one key, taken by two processes at once', { timeout: 120_000 }, async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  store = await openPostgresStore();
  const env = { DATABASE_URL: store.url, SWITCHBOARD_SECRET_KEY: SecretBox.generateKey() };
  // Nothing is sent: the integration's provider is an address nobody listens on.
  const options = { dispatcher: { pollMs: 60_000 }, processor: { pollMs: 60_000 } };
  hubs.push(await startHub({ env, hub: options }), await startHub({ env, hub: options }));
  const [a, b] = hubs as [TestHub, TestHub];
  const pid = (await a.api.post('/api/v1/projects', { name: 'Races' })).body.id;
  const created = await a.api.post(`/api/v1/projects/${pid}/integrations`, {
    provider: 'sinch_sms',
    config: { service_plan_id: 'races', base_url: 'http://127.0.0.1:9' },
    secrets: { api_token: 't' },
  });
  await a.api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: created.body.id });

  for (let round = 0; round < 10; round++) {
    const phone = `+1202555${String(1000 + round)}`;
    const sends = await Promise.all([a, b, a, b].map((h, i) => h.api.post(`/api/v1/projects/${pid}/messages`, { phone, body: `first ${i}` })));
    assert.deepEqual(sends.map((r) => r.status), [202, 202, 202, 202], JSON.stringify(sends.map((r) => r.body)));
    assert.equal(new Set(sends.map((r) => r.body.customer_ref ?? r.body.customer_id)).size, 1, 'one customer for the number');
    const customers = await a.api.get(`/api/v1/projects/${pid}/customers?phone=${encodeURIComponent(phone)}`);
    assert.equal(customers.body.data.length, 1, 'one profile');

    const key = `key-${round}`;
    const retries = await Promise.all([a, b, a, b].map((h) => h.api.post(`/api/v1/projects/${pid}/messages`, { phone, body: 'once' }, { 'idempotency-key': key })));
    assert.ok(retries.every((r) => r.status === 202 || r.status === 200), JSON.stringify(retries.map((r) => [r.status, r.body])));
    assert.equal(new Set(retries.map((r) => r.body.id)).size, 1, 'one message for the key');
  }
});
