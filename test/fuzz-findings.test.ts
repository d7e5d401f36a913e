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
