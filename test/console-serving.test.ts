// The console served at / beside the API: its files, index.html for client routes only, the
// hub's own paths never shadowed, and a clear page when the console is not built. Also the two
// read endpoints the console's screens need: GET /providers and GET …/health.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import { startHub, tempDir, type TestHub } from './helpers.js';

function fakeBuild(): string {
  const dir = tempDir('switchboard-console-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  return `${dir}/`;
}

suite('console served at /', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub({ app: { consoleDist: fakeBuild() } });
  });
  after(() => t.close());

  test('/ and client routes answer the app page with a strict CSP; assets are cached for good', async () => {
    for (const path of ['/', '/integrations', '/customers/c-1', '/settings/channels']) {
      const res = await t.api.withToken(null).get(path);
      assert.equal(res.status, 200, path);
      assert.match(String(res.headers['content-type']), /text\/html/, path);
      assert.match(String(res.body), /id="root"/, path);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, path);
    }
    const asset = await t.api.withToken(null).get('/assets/app-abc123.js');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
  });

  test("the hub's own paths keep their answers and JSON 404s", async () => {
    const anon = t.api.withToken(null);
    for (const path of ['/api/v1/nope', '/webhooks/x/y/z', '/ingest/sinch/nope', '/l/zzzzzzzz', '/assets/missing.js', '/docs/nope']) {
      const res = await anon.get(path);
      assert.notEqual(res.status, 200, path);
      assert.doesNotMatch(String(res.headers['content-type']), /text\/html/, path);
    }
    assert.equal((await anon.get('/api/v1/projects')).status, 401);
    assert.equal((await anon.get('/healthz')).body.status, 'ok');
    assert.equal((await anon.get('/api/v1/openapi.json')).status, 200);
    assert.equal((await anon.call('POST', '/integrations', {})).status, 404, 'only GET and HEAD get the page');
  });

  test('GET /providers lists each provider with its labelled fields; secrets are described, never valued', async () => {
    const res = await t.api.get('/api/v1/providers');
    assert.equal(res.status, 200);
    const byType = Object.fromEntries(res.body.data.map((p: any) => [p.type, p]));
    assert.deepEqual(Object.keys(byType).sort(), ['cm', 'sinch_conversation', 'sinch_sms', 'twilio']);
    const conv = byType.sinch_conversation;
    assert.match(conv.display_name, /Sinch Mobile Messaging/);
    assert.equal(conv.config_schema.properties.project_id.title, 'Project ID');
    assert.equal(conv.config_schema.properties.app_id.title, 'App ID');
    assert.deepEqual(conv.config_schema.properties.region.anyOf.map((a: any) => a.const), ['eu', 'us', 'br']);
    assert.equal(conv.secrets_schema.properties.access_key.title, 'Access Key');
    assert.equal(conv.secrets_schema.properties.access_secret.title, 'Access Secret');
    assert.equal(byType.sinch_sms.config_schema.properties.service_plan_id.title, 'Service plan ID');
    assert.deepEqual(byType.sinch_sms.webhook_endpoints.map((e: any) => e.name), ['delivery', 'inbound']);
    assert.equal(byType.sinch_sms.verifiable, true);
    // CM.com: a product token, status and incoming-message webhooks, nothing to verify credentials against.
    assert.deepEqual(Object.keys(byType.cm.secrets_schema.properties), ['product_token']);
    assert.equal(byType.cm.verifiable, false);
  });

  test('GET …/health lists each integration with its queue depth and counts', async () => {
    const p = await t.api.post('/api/v1/projects', { name: 'H' });
    const i = await t.api.post(`/api/v1/projects/${p.body.id}/integrations`, {
      provider: 'sinch_sms',
      name: 'S',
      config: { service_plan_id: 'plan1', base_url: 'http://127.0.0.1:9' },
      secrets: { api_token: 't' },
    });
    assert.equal(i.status, 201);
    const res = await t.api.get(`/api/v1/projects/${p.body.id}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, [{ integration_id: i.body.id, name: 'S', provider: 'sinch_sms', queued: 0, retrying: 0, in_flight: 0, sends: {}, webhooks_refused: {} }]);
    const key = await t.api.post(`/api/v1/projects/${p.body.id}/api-keys`, { name: 'k' });
    const other = await t.api.post('/api/v1/projects', { name: 'Other' });
    assert.equal((await t.api.withToken(key.body.key).get(`/api/v1/projects/${other.body.id}/health`)).status, 403);
  });
});

suite('console not built', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub({ app: { consoleDist: `${tempDir('switchboard-empty-')}/` } });
  });
  after(() => t.close());

  test('/ says how to build it instead of failing; the API works', async () => {
    const res = await t.api.withToken(null).get('/');
    assert.equal(res.status, 503);
    assert.match(String(res.body), /npm run build/);
    assert.equal((await t.api.get('/api/v1/projects')).status, 200);
  });
});
