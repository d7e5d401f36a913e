// Every adapter's `verify` against a canned provider: each kind of answer gets its reason, the
// messages name what to check, and no secret shows. The happy paths and the common failures run
// against the real sandboxes in test/integration-verify.test.ts; here are the answers sandboxes
// do not give on demand (403, 429, 5xx, a 2xx from something else, a timeout). Each adapter
// redacts the secrets it holds; the core redacts every secret of the integration again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answer, cannedServerForFile, type Handler } from './test-support/http-server.js';
import { createSinchConversationAdapter } from './sinch-conversation/index.js';
import { createSinchSmsAdapter } from './sinch-sms/index.js';
import { createTwilioAdapter } from './twilio/index.js';
import type { SendContext, VerifyCredentialsResult } from './types.js';

const SMS_TOKEN = 'sms-token-secret-1';
const KEY_SECRET = 'twilio-key-secret-2';
const ACCESS_SECRET = 'conv-access-secret-3';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

// Token requests get a token; everything else gets the case's answer.
let apiAnswer: Handler = answer(200, '{}');
const { server, agent } = cannedServerForFile((recorded, req, res) => {
  server.requests.push(recorded);
  if (recorded.url === '/oauth2/token') return answer(200, '{"access_token":"tok-abc","expires_in":3600}')(req, res, 0);
  apiAnswer(req, res, server.requests.length);
});

function ctx<C, S>(config: C, secrets: S, timeoutMs = 5000): SendContext<C, S> {
  return { config, secrets, pool: agent, webhookUrls: {}, timeoutMs };
}

const providers: Record<string, { verify: (timeoutMs?: number) => Promise<VerifyCredentialsResult>; path: string; secrets: string[] }> = {
  sinch_sms: {
    verify: (timeoutMs) => createSinchSmsAdapter().verify!(ctx({ service_plan_id: 'plan_1', base_url: server.baseUrl }, { api_token: SMS_TOKEN }, timeoutMs)),
    path: '/xms/v1/plan_1/batches?page_size=1',
    secrets: [SMS_TOKEN],
  },
  twilio: {
    verify: (timeoutMs) =>
      createTwilioAdapter().verify!(ctx({ account_sid: ACCOUNT, base_url: server.baseUrl }, { auth_token: 'at', api_key_sid: `SK${'0'.repeat(32)}`, api_key_secret: KEY_SECRET }, timeoutMs)),
    path: `/2010-04-01/Accounts/${ACCOUNT}/Messages.json?PageSize=1`,
    secrets: [KEY_SECRET],
  },
  sinch_conversation: {
    verify: (timeoutMs) =>
      createSinchConversationAdapter().verify!(
        ctx({ project_id: 'proj_1', app_id: 'app_1', region: 'us' as const, base_url: server.baseUrl, auth_url: `${server.baseUrl}/oauth2/token` }, { access_key: 'key_1', access_secret: ACCESS_SECRET }, timeoutMs),
      ),
    path: '/v1/projects/proj_1/apps/app_1',
    secrets: [ACCESS_SECRET, 'tok-abc'],
  },
};

const cases: { name: string; answer: Handler; reason: string | null }[] = [
  { name: '403', answer: answer(403, '{"code":"blocked_account","text":"Account blocked"}'), reason: 'forbidden' },
  { name: '404', answer: answer(404, 'no such path'), reason: 'not_found' },
  { name: '429', answer: answer(429, '{}', { 'retry-after': '3' }), reason: 'rate_limited' },
  { name: '503', answer: answer(503, `upstream echoed ${SMS_TOKEN} ${KEY_SECRET} ${ACCESS_SECRET} Bearer tok-abc`), reason: 'provider_error' },
  { name: '400', answer: answer(400, '{}'), reason: 'unexpected_answer' },
  { name: 'a 200 web page', answer: answer(200, '<html>welcome</html>'), reason: 'unexpected_answer' },
];

for (const [provider, p] of Object.entries(providers)) {
  describe(`${provider} verify`, () => {
    for (const c of cases) {
      test(`${c.name} → ${c.reason}`, async () => {
        apiAnswer = c.answer;
        const result = await p.verify();
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.reason, c.reason, result.message);
        const text = JSON.stringify(result);
        for (const s of p.secrets) assert.ok(!text.includes(s), text);
        assert.equal(server.requests.at(-1)?.method, 'GET');
        assert.equal(server.requests.at(-1)?.url, p.path);
      });
    }

    test('no answer within the timeout → unreachable', async () => {
      apiAnswer = () => {}; // hold the request open
      const result = await p.verify(200);
      assert.ok(!result.ok && result.reason === 'unreachable', JSON.stringify(result));
      assert.match(result.message, /UND_ERR_HEADERS_TIMEOUT/);
      server.closeAllConnections();
    });
  });
}

test('the Conversation API check drops a cached token and proves the key with a new one', async () => {
  apiAnswer = answer(200, '{"id":"app_1","display_name":"Shop","channel_credentials":[{"channel":"WHATSAPP"}]}');
  const adapter = createSinchConversationAdapter();
  const c = ctx({ project_id: 'proj_1', app_id: 'app_1', base_url: server.baseUrl, auth_url: `${server.baseUrl}/oauth2/token` }, { access_key: 'key_1', access_secret: ACCESS_SECRET });
  assert.equal((await adapter.verify!(c)).ok, true);
  const second = await adapter.verify!(c);
  assert.deepEqual(second, { ok: true, message: 'the access key reads app app_1 ("Shop") of project proj_1', details: { app_display_name: 'Shop', channels: ['WHATSAPP'] } });
  assert.equal(adapter.tokens.requests, 2);
});
