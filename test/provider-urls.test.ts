// Where an admin may point an integration: refused URLs are a 400 naming the field and the
// reason, on create and on update; a hub with loopback off refuses, at connect time, a stored
// URL whose name resolves to loopback, and the message is refused, not left in doubt.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { eventually, startHub, tempDir, type TestHub } from './helpers.js';

const SINCH_SMS = { provider: 'sinch_sms', secrets: { api_token: 't' } };
const TWILIO = { provider: 'twilio', secrets: { auth_token: 'a', api_key_sid: `SK${'0'.repeat(32)}`, api_key_secret: 's' } };
const CONVERSATION = { provider: 'sinch_conversation', secrets: { access_key: 'k', access_secret: 's' } };
const sms = (config: Record<string, unknown>) => ({ ...SINCH_SMS, config: { service_plan_id: 'plan', ...config } });
const twilio = (config: Record<string, unknown>) => ({ ...TWILIO, config: { account_sid: `AC${'0'.repeat(32)}`, ...config } });
const conversation = (config: Record<string, unknown>) => ({ ...CONVERSATION, config: { project_id: 'p', app_id: 'a', ...config } });

describe('provider URLs, loopback not allowed', () => {
  let t: TestHub;
  let pid: string;
  before(async () => {
    t = await startHub({ env: { ALLOW_LOOPBACK_PROVIDER_URLS: 'false' } });
    pid = (await t.api.post('/api/v1/projects', { name: 'Shop' })).body.id;
  });
  after(() => t.close());

  // [what, body, field, words the message must carry]
  const refused: [string, object, string, string][] = [
    ['cloud metadata', sms({ base_url: 'http://169.254.169.254/latest/meta-data' }), 'config.base_url', 'link-local'],
    ['metadata as a decimal number', twilio({ base_url: 'http://2852039166/' }), 'config.base_url', 'link-local'],
    ['metadata as IPv4-mapped IPv6', conversation({ base_url: 'http://[::ffff:169.254.169.254]/' }), 'config.base_url', 'link-local'],
    ['IPv6 link-local token endpoint', conversation({ auth_url: 'http://[fe80::1]/oauth2/token' }), 'config.auth_url', 'link-local'],
    ['the unspecified address', sms({ base_url: 'http://0.0.0.0:8080' }), 'config.base_url', 'unspecified'],
    ['credentials in the URL', twilio({ base_url: 'https://user:pass@api.example.com' }), 'config.base_url', 'credentials'],
    ['a fragment', sms({ base_url: 'https://api.example.com/#x' }), 'config.base_url', 'fragment'],
    ['another scheme', conversation({ auth_url: 'ftp://auth.example.com/token' }), 'config.auth_url', 'http or https'],
    ['loopback by address', sms({ base_url: 'http://127.0.0.1:9000' }), 'config.base_url', 'loopback'],
    ['loopback by name', conversation({ auth_url: 'http://localhost:9000/token' }), 'config.auth_url', 'loopback'],
    ['loopback as IPv6', twilio({ base_url: 'http://[::1]:9000' }), 'config.base_url', 'loopback'],
    ['not a URL', sms({ base_url: 'not a url' }), 'config.base_url', 'absolute URL'],
    ['not a string', sms({ base_url: 5 }), 'config.base_url', 'string'],
  ];
  for (const [what, body, field, words] of refused) {
    test(`create: ${what} → 400 naming ${field}`, async () => {
      const beforeCount = (await t.api.get(`/api/v1/projects/${pid}/integrations`)).body.data.length;
      const res = await t.api.post(`/api/v1/projects/${pid}/integrations`, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'invalid_request');
      assert.equal(res.body.error.field, field);
      assert.ok(res.body.error.message.startsWith(field), res.body.error.message);
      assert.ok(res.body.error.message.includes(words), res.body.error.message);
      // The setting is named only where it would change the answer.
      assert.equal(res.body.error.message.includes('ALLOW_LOOPBACK_PROVIDER_URLS'), words === 'loopback', res.body.error.message);
      assert.equal((await t.api.get(`/api/v1/projects/${pid}/integrations`)).body.data.length, beforeCount, 'nothing written');
    });
  }

  test('update: a refused URL is a 400 and the stored config stays', async () => {
    const created = await t.api.post(`/api/v1/projects/${pid}/integrations`, conversation({ base_url: 'https://proxy.example.com/conv', auth_url: 'http://10.0.0.7/token' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const path = `/api/v1/projects/${pid}/integrations/${created.body.id}`;
    for (const [config, field, words] of [
      [{ base_url: 'http://0xa9fea9fe/' }, 'config.base_url', 'link-local'],
      [{ auth_url: 'http://127.1/token' }, 'config.auth_url', 'loopback'],
      [{ auth_url: 'https://k:s@auth.example.com/token' }, 'config.auth_url', 'credentials'],
    ] as const) {
      const res = await t.api.patch(path, { config });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.field, field);
      assert.ok(res.body.error.message.includes(words), res.body.error.message);
    }
    const stored = (await t.api.get(path)).body.config;
    assert.equal(stored.base_url, 'https://proxy.example.com/conv');
    assert.equal(stored.auth_url, 'http://10.0.0.7/token');
    // A good change still goes through.
    assert.equal((await t.api.patch(path, { config: { base_url: 'https://other.example.com' } })).status, 200);
  });
});

describe('provider URLs, loopback allowed (the sandboxes)', () => {
  let t: TestHub;
  let pid: string;
  before(async () => {
    t = await startHub({ env: { ALLOW_LOOPBACK_PROVIDER_URLS: 'true' } });
    pid = (await t.api.post('/api/v1/projects', { name: 'Shop' })).body.id;
  });
  after(() => t.close());

  test('loopback is accepted, link-local still refused', async () => {
    for (const body of [sms({ base_url: 'http://127.0.0.1:9000' }), conversation({ auth_url: 'http://localhost:9000/token' }), twilio({ base_url: 'http://[::1]:9000' })]) {
      const res = await t.api.post(`/api/v1/projects/${pid}/integrations`, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const metadata = await t.api.post(`/api/v1/projects/${pid}/integrations`, sms({ base_url: 'http://169.254.169.254/' }));
    assert.equal(metadata.status, 400);
    assert.equal(metadata.body.error.field, 'config.base_url');
  });
});

describe('a stored URL resolving to loopback, once loopback is turned off', () => {
  let sandbox: SinchSmsSandbox;
  const dataDir = tempDir();
  before(async () => {
    sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'plan1', token: 'token-1' }] });
    await sandbox.listen(0, '127.0.0.1');
  });
  after(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the send is refused at connect time, names the reason, and never reaches the sandbox', { timeout: 60_000 }, async () => {
    // Saved while loopback was allowed, through a name: what rebinding or a changed setting leaves behind.
    const port = new URL(sandbox.url).port;
    const first = await startHub({ dataDir, env: { ALLOW_LOOPBACK_PROVIDER_URLS: 'true' } });
    const pid = (await first.api.post('/api/v1/projects', { name: 'Shop' })).body.id;
    const integration = await first.api.post(`/api/v1/projects/${pid}/integrations`, { ...sms({ service_plan_id: 'plan1', base_url: `http://localhost:${port}` }), secrets: { api_token: 'token-1' } });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    await first.close({ keepData: true });

    const t = await startHub({ dataDir, env: { ALLOW_LOOPBACK_PROVIDER_URLS: 'false' } });
    try {
      const res = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550100', body: 'hello', integration_id: integration.body.id });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const events = await eventually(async () => {
        const e = (await t.api.get(`/api/v1/projects/${pid}/events?message_id=${res.body.id}`)).body.data;
        return e.length > 0 ? e : undefined;
      }, 15_000, 'the refusal');
      assert.equal(events.length, 1);
      const p = events[0].properties;
      assert.equal(p.status, 'enqueue_failed');
      assert.equal(p.error, 'ERR_PROVIDER_ADDRESS_REFUSED');
      assert.equal(p.status_code, undefined, 'no HTTP answer');
      assert.match(p.comment, /localhost \(127\.0\.0\.1\).*loopback.*ALLOW_LOOPBACK_PROVIDER_URLS/);
      const message = (await t.api.get(`/api/v1/projects/${pid}/messages/${res.body.id}`)).body;
      assert.equal(message.attempts, 1, 'refused once, not retried');
      assert.equal(sandbox.requests.length, 0, 'the sandbox saw no request');
    } finally {
      await t.close();
    }
  });
});
