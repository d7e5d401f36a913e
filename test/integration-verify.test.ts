// POST …/integrations/{iid}/verify through the real hub against the real sandboxes: for each
// provider the right credentials, a wrong secret, a wrong id, and a port nothing listens on;
// the result shown on the integration; no secret in any answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSinchConversationSandbox, type SinchConversationSandbox } from '../src/sandboxes/sinch-conversation/server.js';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { createTwilioSandbox, type TwilioSandbox } from '../src/sandboxes/twilio/server.js';
import { verifyIntegration } from '../src/services/verify-integration.js';
import { freePort, startHub, type ApiClient, type TestHub } from './helpers.js';

const SMS_TOKEN = 'sms-api-token-7f3a';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const OTHER_ACCOUNT = 'ACffffffffffffffffffffffffffffffff';
const KEY = { sid: 'SK0123456789abcdef0123456789abcdef', secret: 'twilio-key-secret-91c2' };
const AUTH_TOKEN = 'twilio-auth-token-55d0';
const CONV = { projectId: 'proj-1', accessKey: 'key-1', accessSecret: 'conv-secret-e81b' };
// Key ids are write-only secrets too (the secrets schema holds them), so no answer names them.
const SECRETS = [SMS_TOKEN, KEY.sid, KEY.secret, AUTH_TOKEN, CONV.accessKey, CONV.accessSecret, 'wrong-secret-value'];

describe('checking an integration’s credentials', () => {
  let t: TestHub;
  let sms: SinchSmsSandbox;
  let twilio: TwilioSandbox;
  let conv: SinchConversationSandbox;
  let pid: string;
  let closed: string;
  let projectApi: ApiClient;

  before(async () => {
    sms = createSinchSmsSandbox({ servicePlans: [{ id: 'plan1', token: SMS_TOKEN }] });
    twilio = createTwilioSandbox({ accounts: [{ accountSid: ACCOUNT, authToken: AUTH_TOKEN, apiKeys: [KEY] }] });
    conv = createSinchConversationSandbox({ projects: [{ ...CONV, apps: [{ appId: 'app-1', displayName: 'Shop', channels: ['WHATSAPP', 'RCS'] }] }] });
    await Promise.all([sms.listen(0, '127.0.0.1'), twilio.listen(0, '127.0.0.1'), conv.listen(0, '127.0.0.1')]);
    closed = `http://127.0.0.1:${await freePort()}`;
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Checks' })).body.id;
    projectApi = t.api.withToken((await t.api.post(`/api/v1/projects/${pid}/api-keys`, { name: 'backend' })).body.key);
  });
  after(async () => {
    await t.close();
    await Promise.all([sms.close(), twilio.close(), conv.close()]);
  });

  async function create(provider: string, config: Record<string, unknown>, secrets: Record<string, string>): Promise<string> {
    const res = await t.api.post(`/api/v1/projects/${pid}/integrations`, { provider, config, secrets });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }
  async function verify(iid: string, api = t.api) {
    const res = await api.post(`/api/v1/projects/${pid}/integrations/${iid}/verify`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const text = JSON.stringify(res.body);
    for (const s of SECRETS) assert.ok(!text.includes(s), `the answer holds a secret: ${text}`);
    assert.ok(!Number.isNaN(Date.parse(res.body.checked_at)));
    return res.body;
  }

  describe('Sinch SMS', () => {
    const smsConfig = (over: Record<string, unknown> = {}) => ({ service_plan_id: 'plan1', base_url: sms.url, ...over });

    test('the right token: ok, with nothing sent', async () => {
      const before = sms.batches.length;
      const r = await verify(await create('sinch_sms', smsConfig(), { api_token: SMS_TOKEN }));
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.match(r.message, /service plan plan1/);
      assert.equal(sms.batches.length, before);
      assert.ok(sms.requests.some((q) => q.method === 'GET' && q.url === '/xms/v1/plan1/batches?page_size=1'));
    });

    test('a wrong token: unauthorized, naming the plan', async () => {
      const r = await verify(await create('sinch_sms', smsConfig(), { api_token: 'wrong-secret-value' }));
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'unauthorized');
      assert.match(r.message, /^Sinch SMS answered 401 \(unauthorized\): the API token does not belong to service plan plan1/);
      assert.equal(r.details.status_code, 401);
    });

    test('a wrong service plan: Sinch cannot tell it from a wrong token (401)', async () => {
      const r = await verify(await create('sinch_sms', smsConfig({ service_plan_id: 'plan2' }), { api_token: SMS_TOKEN }));
      assert.equal(r.reason, 'unauthorized');
      assert.match(r.message, /service plan plan2/);
    });

    test('a base_url with no Sinch SMS API behind it: not_found', async () => {
      const r = await verify(await create('sinch_sms', smsConfig({ base_url: `${sms.url}/elsewhere` }), { api_token: SMS_TOKEN }));
      assert.equal(r.reason, 'not_found');
      assert.match(r.message, /check the service plan id and the region \(us\) or base_url/);
    });

    test('a closed port: unreachable', async () => {
      const r = await verify(await create('sinch_sms', smsConfig({ base_url: closed }), { api_token: SMS_TOKEN }));
      assert.equal(r.reason, 'unreachable');
      assert.match(r.message, /ECONNREFUSED/);
    });

    test('an address sends may not reach is not reached by a check either', async () => {
      // Saved while loopback was allowed; checked by a hub that no longer allows it.
      const iid = await create('sinch_sms', smsConfig(), { api_token: SMS_TOKEN });
      const before = sms.requests.length;
      const r = await verifyIntegration({ ...t.hub, logger: t.hub.logger, config: { allowLoopbackProviderUrls: false } }, pid, iid);
      assert.equal(r.ok, false);
      assert.equal(r.ok ? '' : r.reason, 'unreachable');
      assert.match(r.ok ? '' : r.message, /loopback/);
      assert.equal(sms.requests.length, before, 'nothing reached the sandbox');
    });
  });

  describe('Twilio', () => {
    const secrets = (over: Record<string, string> = {}) => ({ auth_token: AUTH_TOKEN, api_key_sid: KEY.sid, api_key_secret: KEY.secret, ...over });

    test('the right API key: ok, with nothing sent', async () => {
      const before = twilio.messages.length;
      const r = await verify(await create('twilio', { account_sid: ACCOUNT, base_url: twilio.url }, secrets()));
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.match(r.message, new RegExp(`the API key for account ${ACCOUNT}`));
      assert.equal(twilio.messages.length, before);
    });

    test('a wrong key secret: unauthorized (20003)', async () => {
      const r = await verify(await create('twilio', { account_sid: ACCOUNT, base_url: twilio.url }, secrets({ api_key_secret: 'wrong-secret-value' })));
      assert.equal(r.reason, 'unauthorized');
      assert.equal(r.details.error, '20003');
      assert.match(r.message, /^Twilio answered 401 \(20003\)/);
    });

    test('an account the key does not belong to: unauthorized, naming the account', async () => {
      const r = await verify(await create('twilio', { account_sid: OTHER_ACCOUNT, base_url: twilio.url }, secrets()));
      assert.equal(r.reason, 'unauthorized');
      assert.match(r.message, new RegExp(`account ${OTHER_ACCOUNT}`));
    });

    test('a base_url with no Twilio API behind it: not_found', async () => {
      const r = await verify(await create('twilio', { account_sid: ACCOUNT, base_url: `${twilio.url}/elsewhere` }, secrets()));
      assert.equal(r.reason, 'not_found');
      assert.equal(r.details.error, '20404');
    });

    test('a closed port: unreachable', async () => {
      const r = await verify(await create('twilio', { account_sid: ACCOUNT, base_url: closed }, secrets()));
      assert.equal(r.reason, 'unreachable');
    });
  });

  describe('Sinch Conversation API', () => {
    const config = (over: Record<string, unknown> = {}) => ({ project_id: CONV.projectId, app_id: 'app-1', base_url: conv.url, auth_url: `${conv.url}/oauth2/token`, ...over });
    const secrets = (over: Record<string, string> = {}) => ({ access_key: CONV.accessKey, access_secret: CONV.accessSecret, ...over });

    test('the right key: ok, with a fresh token and the app read', async () => {
      const tokens = conv.tokensIssued.length;
      const r = await verify(await create('sinch_conversation', config(), secrets()));
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.deepEqual(r.details, { app_display_name: 'Shop', channels: ['WHATSAPP', 'RCS'] });
      assert.equal(conv.tokensIssued.length, tokens + 1);
      assert.equal(conv.messages.length, 0);
    });

    test('a wrong secret: unauthorized at the token endpoint', async () => {
      const r = await verify(await create('sinch_conversation', config(), secrets({ access_secret: 'wrong-secret-value' })));
      assert.equal(r.reason, 'unauthorized');
      assert.match(r.message, /^The Sinch token endpoint answered 401 \(invalid_client\): the access key and its secret were refused/);
    });

    test('a wrong app id: not_found, naming project, app and region', async () => {
      const r = await verify(await create('sinch_conversation', config({ app_id: 'app-9' }), secrets()));
      assert.equal(r.reason, 'not_found');
      assert.match(r.message, /project proj-1 has no app app-9 in region eu/);
      assert.equal(r.details.error, 'NOT_FOUND');
    });

    test('a closed port: unreachable', async () => {
      const r = await verify(await create('sinch_conversation', config({ base_url: closed, auth_url: `${closed}/oauth2/token` }), secrets()));
      assert.equal(r.reason, 'unreachable');
      assert.match(r.message, /^The Sinch token endpoint could not be reached \(ECONNREFUSED: connect ECONNREFUSED /);
    });
  });

  describe('the route', () => {
    test('the result is kept on the integration until its credentials change', async () => {
      const iid = await create('sinch_sms', { service_plan_id: 'plan1', base_url: sms.url }, { api_token: 'wrong-secret-value' });
      assert.equal((await t.api.get(`/api/v1/projects/${pid}/integrations/${iid}`)).body.last_verify, null);
      const first = await verify(iid);
      const shown = (await t.api.get(`/api/v1/projects/${pid}/integrations/${iid}`)).body.last_verify;
      assert.deepEqual(shown, first);
      const listed = (await t.api.get(`/api/v1/projects/${pid}/integrations`)).body.data.find((i: any) => i.id === iid);
      assert.deepEqual(listed.last_verify, first);

      const renamed = await t.api.patch(`/api/v1/projects/${pid}/integrations/${iid}`, { name: 'renamed' });
      assert.deepEqual(renamed.body.last_verify, first, 'a new name leaves the check standing');
      const fixed = await t.api.patch(`/api/v1/projects/${pid}/integrations/${iid}`, { secrets: { api_token: SMS_TOKEN } });
      assert.equal(fixed.body.last_verify, null, 'new credentials drop the old check');
      assert.equal((await verify(iid)).ok, true);
    });

    test('project keys may check their project’s integrations; unknown ones are 404', async () => {
      const iid = await create('sinch_sms', { service_plan_id: 'plan1', base_url: sms.url }, { api_token: SMS_TOKEN });
      assert.equal((await verify(iid, projectApi)).ok, true);
      const unknown = await t.api.post(`/api/v1/projects/${pid}/integrations/int_nope/verify`);
      assert.equal(unknown.status, 404);
      const other = (await t.api.post('/api/v1/projects', { name: 'Other' })).body.id;
      const elsewhere = await t.api.post(`/api/v1/projects/${other}/integrations/${iid}/verify`);
      assert.equal(elsewhere.status, 404);
      const foreignKey = await projectApi.post(`/api/v1/projects/${other}/integrations/${iid}/verify`);
      assert.ok(foreignKey.status === 403 || foreignKey.status === 404, String(foreignKey.status));
    });
  });
});
