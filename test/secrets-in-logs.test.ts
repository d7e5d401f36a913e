// Secrets never reach the logs: API keys, provider tokens, signing secrets and webhook URL tokens,
// even at debug level with every request logged and with failing sends.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { pino } from 'pino';
import { createLogger, loggerOptions } from '../src/logger.js';
import { allAdapters } from '../src/providers/registry.js';
import { createSinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { eventually, startHub } from './helpers.js';

/** A logger writing into a string. */
function capture(make: (sink: Writable) => { info(obj: object, msg: string): void }) {
  const out = { text: '' };
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.text += chunk.toString();
      done();
    },
  });
  return { logger: make(sink), out };
}

test("every adapter's secret fields and signature headers are redacted", () => {
  const adapters = allAdapters();
  assert.ok(adapters.length >= 3, 'the registry lists the adapters');
  for (const adapter of adapters) {
    const fields = Object.keys(adapter.secretsSchema.properties);
    assert.ok(fields.length > 0, `${adapter.type} declares its secret fields`);
    // CM.com alone carries its credential in the request body and gets unsigned callbacks: no header to redact.
    assert.ok(adapter.redactHeaders.length > 0 || adapter.type === 'cm', `${adapter.type} declares the headers to redact`);
    const secrets = Object.fromEntries(fields.map((f) => [f, `${adapter.type}-${f}-value`]));
    const headers = Object.fromEntries(adapter.redactHeaders.map((h) => [h, `${adapter.type}-${h}-value`]));
    const values = [...Object.values(secrets), ...Object.values(headers)];
    // The hub's logger, and the same redaction without the req serializer (which keeps only
    // method, url and id), so the header paths themselves are what is checked.
    for (const { logger, out } of [
      capture((sink) => createLogger('debug', sink)),
      capture((sink) => pino({ ...loggerOptions('debug'), serializers: {} }, sink)),
    ]) {
      logger.info({ integration: secrets, req: { method: 'POST', url: '/webhooks/x/y/z', headers } }, 'provider call');
      logger.info({ secrets }, 'whole secrets object');
      assert.ok(out.text.includes('provider call'), 'something was logged');
      for (const value of values) assert.ok(!out.text.includes(value), `the logs contain ${value}`);
    }
  }
});

test('debug logs of a full flow contain no secret', async () => {
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'p', token: 'provider-token-AAA' }], delays: { dispatchedMs: 10, finalMs: 20 } });
  await sandbox.listen(0, '127.0.0.1');
  const t = await startHub({ logger: createLogger('debug', sink), env: { LOG_LEVEL: 'debug' } });
  try {
    const pid = (await t.api.post('/api/v1/projects', { name: 'Logs' })).body.id;
    const good = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'p', base_url: sandbox.url },
      secrets: { api_token: 'provider-token-AAA', webhook_signing_secret: 'signing-secret-BBB' },
    });
    const bad = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'p', base_url: sandbox.url },
      secrets: { api_token: 'wrong-token-CCC' },
    });
    const ok = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550100', body: 'hi', integration_id: good.body.id });
    const refused = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550101', body: 'hi', integration_id: bad.body.id });
    await eventually(async () => {
      const [a, b] = await Promise.all([ok, refused].map((m) => t.api.get(`/api/v1/projects/${pid}/messages/${m.body.id}`)));
      return a!.body.status !== 'queued' && b!.body.status !== 'queued' ? true : undefined;
    });
    // An unsigned webhook is rejected and logged as such.
    const hook = await request(good.body.webhook_urls.delivery, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"mo_text"}' });
    assert.equal(hook.statusCode, 403);
    await hook.body.dump();
    await t.api.withToken('not-a-key-DDD').get('/api/v1/projects');
    // Credentials checks, passing and failing.
    for (const iid of [good.body.id, bad.body.id]) assert.equal((await t.api.post(`/api/v1/projects/${pid}/integrations/${iid}/verify`)).status, 200);
    assert.ok(logs.includes('integration credentials checked'));

    assert.ok(logs.length > 0 && logs.includes('incoming request'), 'debug logging was on');
    const webhookToken = String(good.body.webhook_urls.delivery).split('/')[5]!;
    for (const secret of ['provider-token-AAA', 'signing-secret-BBB', 'wrong-token-CCC', 'not-a-key-DDD', t.adminToken, webhookToken]) {
      assert.ok(!logs.includes(secret), `the logs contain a secret (${secret.slice(0, 6)}…)`);
    }
  } finally {
    await t.close();
    await sandbox.close();
  }
});
