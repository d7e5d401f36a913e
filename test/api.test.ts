// The public API's contract: auth and roles, integrations with write-only secrets, and bad input
// answered with a 4xx naming the field, never a 500 and never a half-written record.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { eventually, startHub, type TestHub } from './helpers.js';

describe('API', () => {
  let t: TestHub;
  let pid: string;
  let iid: string;
  let projectKey: string;

  before(async () => {
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Shop' })).body.id;
    const integration = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      name: 'Sinch EU',
      config: { service_plan_id: 'sp-eu-1', region: 'eu' },
      secrets: { api_token: 'super-secret-token-value' },
      rate_limit: 25,
    });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    iid = integration.body.id;
    const key = await t.api.post(`/api/v1/projects/${pid}/api-keys`, { name: 'backend' });
    assert.equal(key.status, 201);
    projectKey = key.body.key;
  });
  after(async () => {
    await t.close();
  });

  test('health, readiness and metrics', async () => {
    assert.equal((await t.api.get('/healthz')).status, 200);
    assert.deepEqual((await t.api.get('/readyz')).body, { status: 'ready' });
    const metrics = await t.api.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.body), /switchboard_callbacks_pending/);
  });

  test('the OpenAPI document describes the API', async () => {
    const doc = await t.api.withToken(null).get('/api/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.0.3');
    assert.deepEqual(doc.body.servers.map((s: { url: string }) => s.url), ['/api/v1']);
    for (const path of ['/projects/{pid}/messages', '/segments', '/projects/{pid}/campaigns/{cid}/launch', '/projects/{pid}/events']) {
      assert.ok(doc.body.paths[path], `documents ${path}`);
    }
  });

  test('no key, or a wrong one, is 401', async () => {
    const anon = await t.api.withToken(null).get('/api/v1/projects');
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error.code, 'unauthorized');
    assert.equal((await t.api.withToken('nope').get('/api/v1/projects')).status, 401);
  });

  test('an integration shows its webhook URLs and which secrets are set, never their values', async () => {
    const res = await t.api.get(`/api/v1/projects/${pid}/integrations/${iid}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.secrets_set, ['api_token']);
    assert.equal(res.body.config.region, 'eu');
    assert.match(res.body.webhook_urls.delivery, new RegExp(`^${t.url}/webhooks/${iid}/[A-Za-z0-9_-]{20,}/delivery$`));
    assert.match(res.body.webhook_urls.inbound, /\/inbound$/);
    const everything = JSON.stringify([res.body, (await t.api.get(`/api/v1/projects/${pid}/integrations`)).body]);
    assert.ok(!everything.includes('super-secret-token-value'));
  });

  test('secrets are encrypted at rest', async () => {
    const row = await t.hub.db.selectFrom('integrations').selectAll().where('id', '=', iid).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes('super-secret-token-value'));
  });

  test('a PATCH of one secret keeps the others; the region maps to the regional host', async () => {
    const res = await t.api.patch(`/api/v1/projects/${pid}/integrations/${iid}`, { secrets: { webhook_signing_secret: 's3' }, config: { region: 'au' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.secrets_set.sort(), ['api_token', 'webhook_signing_secret']);
    assert.equal(res.body.config.service_plan_id, 'sp-eu-1');
    const rt = await t.hub.integrations.runtime(iid);
    assert.equal(rt?.secrets.api_token, 'super-secret-token-value');
  });

  test('only an admin sets the default provider or changes integrations', async () => {
    const asProject = t.api.withToken(projectKey);
    const put = await asProject.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: iid });
    assert.equal(put.status, 403);
    assert.equal(put.body.error.code, 'forbidden');
    assert.equal((await asProject.post(`/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms' })).status, 403);
    assert.equal((await asProject.get(`/api/v1/projects/${pid}/settings`)).status, 200, 'reading is fine');
    const admin = await t.api.put(`/api/v1/projects/${pid}/settings`, { default_sms_integration_id: iid });
    assert.equal(admin.status, 200);
    assert.equal(admin.body.default_sms_integration_id, iid);
    const list = await asProject.get(`/api/v1/projects/${pid}/integrations`);
    assert.equal(list.body.data.filter((i: any) => i.is_default_sms).length, 1);
  });

  test('a project key sees only its own project', async () => {
    const other = (await t.api.post('/api/v1/projects', { name: 'Other' })).body.id;
    const asProject = t.api.withToken(projectKey);
    assert.equal((await asProject.get(`/api/v1/projects/${other}`)).status, 403);
    assert.deepEqual((await asProject.get('/api/v1/projects')).body.data.map((p: any) => p.id), [pid]);
  });

  test('customers are upserted with normalised phones and merged attributes', async () => {
    const created = await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'u1', phone: '+44 7911 123456', attributes: { tier: 'gold' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.phone, '+447911123456');
    const updated = await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'u1', attributes: { city: 'Leeds' } });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body.attributes, { tier: 'gold', city: 'Leeds' });
    assert.equal(updated.body.phone, '+447911123456');
    const got = await t.api.get(`/api/v1/projects/${pid}/customers/u1`);
    assert.equal(got.body.customer_id, 'u1');
  });

  test('an Idempotency-Key makes a retried send return the first message', async () => {
    const body = { phone: '+447911123457', body: 'once' };
    const first = await t.api.post(`/api/v1/projects/${pid}/messages`, body, { 'idempotency-key': 'order-77' });
    const second = await t.api.post(`/api/v1/projects/${pid}/messages`, body, { 'idempotency-key': 'order-77' });
    assert.equal(first.status, 202);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
    // The same request with its fields in another order is the same request.
    const reordered = await t.api.post(`/api/v1/projects/${pid}/messages`, { body: 'once', phone: '+447911123457' }, { 'idempotency-key': 'order-77' });
    assert.equal(reordered.status, 200);
    // Another request under the same key is refused, not answered with the first message.
    const other = await t.api.post(`/api/v1/projects/${pid}/messages`, { ...body, body: 'twice' }, { 'idempotency-key': 'order-77' });
    assert.equal(other.status, 422, JSON.stringify(other.body));
    assert.equal(other.body.error.code, 'idempotency_key_reused');
    assert.equal(other.body.error.field, 'idempotency-key');
  });

  test('the segment counter is exposed', async () => {
    const res = await t.api.post('/api/v1/segments', { text: 'Price: 5€ {special}' });
    assert.equal(res.status, 200);
    assert.equal(res.body.encoding, 'GSM-7');
    assert.equal(res.body.parts, 1);
    assert.equal(res.body.units, 22);
    const uni = await t.api.post('/api/v1/segments', { text: 'Hi 😀'.repeat(20) });
    assert.equal(uni.body.encoding, 'UCS-2');
    assert.equal(uni.body.parts, 2);
    assert.deepEqual(uni.body.non_gsm_characters, ['😀']);
  });

  // [what, method, path, body, status, code, field]
  const bad: [string, string, () => string, unknown, number, string, string | undefined][] = [
    ['invalid phone number', 'POST', () => `/api/v1/projects/${pid}/messages`, { phone: '+1 555', body: 'x' }, 400, 'invalid_phone', 'phone'],
    ['letters for a phone', 'POST', () => `/api/v1/projects/${pid}/customers`, { customer_id: 'x', phone: 'call me maybe' }, 400, 'invalid_phone', 'phone'],
    ['no recipient', 'POST', () => `/api/v1/projects/${pid}/messages`, { body: 'x' }, 400, 'invalid_request', 'customer_id'],
    ['empty body', 'POST', () => `/api/v1/projects/${pid}/messages`, { phone: '+447911123456', body: '   ' }, 400, 'invalid_request', 'body'],
    ['body over 1600 characters', 'POST', () => `/api/v1/projects/${pid}/messages`, { phone: '+447911123456', body: 'a'.repeat(1601) }, 400, 'invalid_request', 'body'],
    ['wrong type', 'POST', () => `/api/v1/projects/${pid}/messages`, { phone: 447700900123, body: 'x' }, 400, 'invalid_request', 'phone'],
    ['unknown field', 'POST', () => `/api/v1/projects/${pid}/messages`, { phone: '+447911123456', body: 'x', bodyy: 'y' }, 400, 'invalid_request', 'bodyy'],
    ['missing field', 'POST', () => `/api/v1/projects/${pid}/customers`, { phone: '+447911123456' }, 400, 'invalid_request', 'customer_id'],
    ['unknown project', 'POST', () => '/api/v1/projects/prj_nope/messages', { phone: '+447911123456', body: 'x' }, 404, 'not_found', 'project_id'],
    ['unknown integration', 'POST', () => `/api/v1/projects/${pid}/messages`, { phone: '+447911123456', body: 'x', integration_id: 'int_nope' }, 404, 'not_found', 'integration_id'],
    ['unknown customer', 'POST', () => `/api/v1/projects/${pid}/messages`, { customer_id: 'ghost', body: 'x' }, 404, 'not_found', 'customer_id'],
    ['customer without phone', 'POST', () => `/api/v1/projects/${pid}/messages`, { customer_id: 'nophone', body: 'x' }, 400, 'missing_phone', 'phone'],
    ['unknown provider', 'POST', () => `/api/v1/projects/${pid}/integrations`, { provider: 'carrier-pigeon' }, 400, 'invalid_request', 'provider'],
    ['missing service plan', 'POST', () => `/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', config: {}, secrets: { api_token: 't' } }, 400, 'invalid_request', 'config.service_plan_id'],
    ['unknown region', 'POST', () => `/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', config: { service_plan_id: 'a', region: 'mars' }, secrets: { api_token: 't' } }, 400, 'invalid_request', 'config.region'],
    ['missing token', 'POST', () => `/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', config: { service_plan_id: 'a' }, secrets: {} }, 400, 'invalid_request', 'secrets.api_token'],
    ['bad base_url', 'POST', () => `/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', config: { service_plan_id: 'a', base_url: 'not a url' }, secrets: { api_token: 't' } }, 400, 'invalid_request', 'config.base_url'],
    ['negative rate limit', 'POST', () => `/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', rate_limit: -1 }, 400, 'invalid_request', 'rate_limit'],
    ['default from another project', 'PUT', () => `/api/v1/projects/${pid}/settings`, { default_sms_integration_id: 'int_other' }, 404, 'not_found', 'default_sms_integration_id'],
    ['empty audience', 'POST', () => `/api/v1/projects/${pid}/campaigns`, { name: 'c', body: 'x', audience: { customer_ids: [] } }, 400, 'invalid_request', 'audience.customer_ids'],
    ['bad cursor', 'GET', () => `/api/v1/projects/${pid}/events?cursor=abc`, undefined, 400, 'invalid_request', 'cursor'],
  ];
  for (const [what, method, path, body, status, code, field] of bad) {
    test(`bad input: ${what} → ${status} ${code}`, async () => {
      if (what === 'customer without phone') await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'nophone' });
      const before = await t.hub.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const res = await t.api.call(method, path(), body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
      assert.equal(typeof res.body.error.message, 'string');
      if (field) {
        assert.equal(res.body.error.field, field);
        assert.ok(res.body.error.message.includes(field.split('.').pop()!), `message names the field: ${res.body.error.message}`);
      }
      const afterCount = await t.hub.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n), 'nothing half-written');
    });
  }

  test('no default provider is a clear 409', async () => {
    const bare = (await t.api.post('/api/v1/projects', { name: 'Bare' })).body.id;
    const res = await t.api.post(`/api/v1/projects/${bare}/messages`, { phone: '+447911123456', body: 'x' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'no_default_provider');
    assert.equal(res.body.error.field, 'integration_id');
    assert.equal((await t.hub.db.selectFrom('customers').select('id').where('project_id', '=', bare).execute()).length, 0, 'no profile half-created');
  });

  test('malformed JSON, wrong content type and oversized bodies are 4xx', async () => {
    const post = async (body: string | Buffer, contentType = 'application/json') => {
      const res = await request(`${t.url}/api/v1/projects/${pid}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': contentType },
        body,
      });
      return { status: res.statusCode, body: (await res.body.json()) as any };
    };
    const malformed = await post('{"phone": "+447911123456", "body": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid_json');
    const xml = await post('<message/>', 'application/xml');
    assert.equal(xml.status, 415);
    const huge = await post(JSON.stringify({ phone: '+447911123456', body: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'body_too_large');
    const notObject = await post('[1,2]');
    assert.equal(notObject.status, 400);
  });

  test('an unknown route is a JSON 404', async () => {
    const res = await t.api.get('/api/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
  });

  test('deleting the default integration is refused; deleting another cancels its queue', async () => {
    const refused = await t.api.delete(`/api/v1/projects/${pid}/integrations/${iid}`);
    assert.equal(refused.status, 409);
    const spare = await t.api.post(`/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', config: { service_plan_id: 'x', base_url: 'http://127.0.0.1:9' }, secrets: { api_token: 't' }, rate_limit: 0.001 });
    const msg = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+447911123458', body: 'x', integration_id: spare.body.id });
    assert.equal((await t.api.delete(`/api/v1/projects/${pid}/integrations/${spare.body.id}`)).status, 204);
    assert.equal((await t.api.get(`/api/v1/projects/${pid}/integrations/${spare.body.id}`)).status, 404);
    await eventually(async () => {
      const m = await t.api.get(`/api/v1/projects/${pid}/messages/${msg.body.id}`);
      return ['cancelled', 'done'].includes(m.body.dispatch_state) ? true : undefined;
    }, 5000, 'the message of the deleted integration to be cancelled');
  });
});
