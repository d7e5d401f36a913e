// Faults the torture harness's API fuzzer (torture/parts/fuzz-api.ts) found, each pinned by a
// request that used to answer 500 or outside the hub's error shape.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHub, type TestHub } from './helpers.js';

describe('fuzzer findings', () => {
  let t: TestHub;
  let pid: string;
  let sid: string;
  let iid: string;

  before(async () => {
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Fuzzed' })).body.id;
    const integration = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      name: 'Sinch',
      config: { service_plan_id: 'plan1', region: 'us' },
      secrets: { api_token: 'tok' },
    });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    iid = integration.body.id;
    const profile = await t.api.post(`/api/v1/projects/${pid}/sender-profiles`, { channel: 'sms', integration_id: iid, sender: '+15550001111' });
    assert.equal(profile.status, 201, JSON.stringify(profile.body));
    sid = profile.body.id;
  });
  after(async () => {
    await t.close();
  });

  test('PATCH sender profile with integration_id "" is a 400 naming the field, and changes nothing', async () => {
    const res = await t.api.patch(`/api/v1/projects/${pid}/sender-profiles/${sid}`, { integration_id: '' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.field, 'integration_id');
    const after = await t.api.get(`/api/v1/projects/${pid}/sender-profiles/${sid}`);
    assert.equal(after.body.integration_id, iid);
  });

  test('PATCH sender profile with an unknown integration_id is a 404 naming the field', async () => {
    const res = await t.api.patch(`/api/v1/projects/${pid}/sender-profiles/${sid}`, { integration_id: 'int_nope' });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.error.field, 'integration_id');
  });
});

describe('URLs the router cannot take', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub();
  });
  after(async () => {
    await t.close();
  });

  test('a badly percent-encoded path parameter is a 400 bad_url in the hub error shape', async () => {
    for (const path of ['/api/v1/projects/%E0%A4%A', '/l/%zz', '/webhooks/%ff%/x/delivery']) {
      const res = await t.api.call(path.startsWith('/webhooks') ? 'POST' : 'GET', path, path.startsWith('/webhooks') ? '{}' : undefined);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'bad_url', path);
      assert.equal(typeof res.body.error.message, 'string');
    }
  });

  test('a path parameter past the router limit is a 414 uri_too_long in the hub error shape', async () => {
    const res = await t.api.get(`/api/v1/projects/${'p'.repeat(500)}`);
    assert.equal(res.status, 414, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'uri_too_long');
  });
});

describe('requests the HTTP parser refuses', () => {
  let t: TestHub;
  before(async () => {
    t = await startHub();
  });
  after(async () => {
    await t.close();
  });

  test('a URL past the header size limit is a 431 in the hub error shape', async () => {
    const res = await t.api.get(`/api/v1/projects?x=${'y'.repeat(20_000)}`);
    assert.equal(res.status, 431, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'headers_too_large');
    assert.equal(typeof res.body.error.message, 'string');
  });

  test('a header past the size limit is a 431 in the hub error shape', async () => {
    const res = await t.api.call('GET', '/healthz', undefined, { 'x-big': 'z'.repeat(20_000) });
    assert.equal(res.status, 431, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'headers_too_large');
  });
});
