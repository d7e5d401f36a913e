import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { ConversationCallbackWebhooks, SinchClient, validateWebhookSignature } from '@sinch/sdk-core';
import { Agent } from 'undici';
import { cleanupsAfterAll, startCallbackReceiver, type CallbackReceiver } from '../../providers/test-support/http-server.js';
import type { CanonicalUpdate, OutboundMessage, SendContext } from '../../providers/types.js';
import type { SinchConversationConfig, SinchConversationSecrets } from '../../providers/sinch-conversation/config.js';
import { createSinchConversationAdapter } from '../../providers/sinch-conversation/index.js';
import { parseWebhook, verifyWebhook } from '../../providers/sinch-conversation/webhook.js';
import { runSinchConversationSandbox, SINCH_CONVERSATION_SANDBOX_USAGE } from './cli.js';
import { createSinchConversationSandbox, type SandboxApp, type SinchConversationSandbox, type SinchConversationSandboxOptions } from './server.js';
import { TEST_NUMBERS } from './test-numbers.js';

// ---------------------------------------------------------------------------------------------
// Helpers: a loopback webhook receiver and sandboxes closed after the run.

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json: Record<string, unknown>;
  at: number;
}

type Receiver = CallbackReceiver<Received>;

const cleanups = cleanupsAfterAll();

async function startReceiver(respond: (n: number) => number = () => 200): Promise<Receiver> {
  const receiver = await startCallbackReceiver<Received>(
    ({ headers, raw, at }) => ({ headers, raw, json: JSON.parse(raw.toString('utf8')), at }),
    { path: '/webhooks/int_1/tok/callbacks', respond },
  );
  cleanups.push(() => receiver.close());
  return receiver;
}

const PROJECT_ID = 'e2df3a34-a71b-4448-9db5-a8d2baad28e4';
const KEY = 'key-id-1';
const SECRET = 'key-secret-1';
const APP_ID = '01HZ8N7R2ZK3E0C4B5W6X7Y8Z9';
const WEBHOOK_SECRET = 'whsec-1';

async function startSandbox(app: Partial<SandboxApp> = {}, opts: Partial<SinchConversationSandboxOptions> = {}): Promise<SinchConversationSandbox> {
  const sandbox = createSinchConversationSandbox({
    projects: [
      { projectId: PROJECT_ID, accessKey: KEY, accessSecret: SECRET, apps: [{ appId: APP_ID, channels: ['WHATSAPP', 'RCS'], webhookSecret: WEBHOOK_SECRET, ...app }] },
      { projectId: 'other-project', accessKey: 'other-key', accessSecret: 'other-secret', apps: [{ appId: 'other-app', channels: ['SMS'] }] },
    ],
    delays: { queuedMs: 20, deliveredMs: 60, readMs: 100 },
    retryBaseMs: 20,
    ...opts,
  });
  await sandbox.listen(0, '127.0.0.1');
  cleanups.push(() => sandbox.close());
  return sandbox;
}

const agent = new Agent();
cleanups.push(() => agent.close());

function ctx(sandbox: SinchConversationSandbox, secret = WEBHOOK_SECRET): SendContext<SinchConversationConfig, SinchConversationSecrets> {
  return {
    config: { project_id: PROJECT_ID, app_id: APP_ID, region: 'eu', base_url: sandbox.url, auth_url: `${sandbox.url}/oauth2/token` },
    secrets: { access_key: KEY, access_secret: SECRET, webhook_signing_secret: secret },
    pool: agent,
    webhookUrls: {},
    timeoutMs: 15_000,
  };
}

let seq = 0;
function message(to: string, m: Partial<OutboundMessage> = {}): OutboundMessage {
  seq += 1;
  return {
    messageId: `msg_${String(seq).padStart(4, '0')}`,
    channel: 'whatsapp',
    to,
    from: null,
    body: '',
    parts: 1,
    media: [],
    content: { type: 'text', text: `Hello ${seq}` },
    statusCallbackUrl: '',
    ...m,
  };
}

/** Verifies a received callback as the hub would, and parses it. */
function hubParse(r: Received, secret = WEBHOOK_SECRET): CanonicalUpdate[] {
  const headers = r.headers as Record<string, string | string[] | undefined>;
  const verified = verifyWebhook({ access_key: KEY, access_secret: SECRET, webhook_signing_secret: secret }, { endpoint: 'callbacks', headers, rawBody: r.raw, publicUrl: '' }, Date.now());
  assert.equal(verified.ok, true, 'the hub accepts the signature');
  assert.equal(validateWebhookSignature(secret, r.headers, r.raw.toString('utf8')), true, 'the SDK accepts the signature');
  return parseWebhook('callbacks', r.raw, 'application/json');
}

/** "PROVIDER_STATUS[/reason]→canonical" per callback about our message, in arrival order. */
/**
 * A message's callbacks as the hub reads them, in the order the sandbox sent them (their
 * `accepted_time`): two sent moments apart travel on separate connections and may arrive swapped
 * on a busy machine, which says nothing of the sandbox.
 */
function story(receiver: Receiver, messageId: string): string[] {
  const sentAt = (r: Receiver['received'][number]) => Date.parse(String(r.json['accepted_time']));
  return receiver.received
    .filter((r) => r.json['correlation_id'] === messageId)
    .map((r, arrival) => ({ r, arrival }))
    .sort((a, b) => sentAt(a.r) - sentAt(b.r) || a.arrival - b.arrival)
    .map(({ r }) => {
      const [u] = hubParse(r);
      if (u?.kind === 'ignored') return `(${u.reason})`;
      assert.ok(u?.kind === 'status');
      assert.equal(u.messageId, messageId);
      return `${u.providerStatus}${u.error ? `/${u.error}` : ''}→${u.status}`;
    });
}

async function api(sandbox: SinchConversationSandbox, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(`${sandbox.url}${path}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const basic = (key = KEY, secret = SECRET) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

async function token(sandbox: SinchConversationSandbox, key = KEY, secret = SECRET): Promise<string> {
  const res = await api(sandbox, '/oauth2/token', {
    headers: { authorization: basic(key, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  assert.equal(res.status, 200);
  return res.json['access_token'] as string;
}

const sendBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    app_id: APP_ID,
    recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701230100' }] } },
    message: { text_message: { text: 'hi' } },
    ...over,
  });

// ---------------------------------------------------------------------------------------------

describe('Sinch Conversation sandbox: OAuth2 and the API front door', () => {
  test('token endpoint: client credentials give a bearer JWT', async () => {
    const sandbox = await startSandbox({}, { tokenTtlSeconds: 120 });
    const res = await api(sandbox, '/oauth2/token', {
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 200);
    assert.equal(res.json['token_type'], 'bearer');
    assert.equal(res.json['expires_in'], 120);
    const parts = String(res.json['access_token']).split('.');
    assert.equal(parts.length, 3);
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as { exp: number; sub: string };
    assert.equal(claims.sub, KEY);
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 120)) < 5);
    assert.equal(sandbox.tokensIssued.length, 1);

    const cases: { headers: Record<string, string>; body: string; status: number; error: string }[] = [
      { headers: { authorization: basic(KEY, 'wrong'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials', status: 401, error: 'invalid_client' },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials', status: 401, error: 'invalid_client' },
      { headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password', status: 400, error: 'unsupported_grant_type' },
      { headers: { authorization: basic(), 'content-type': 'application/json' }, body: '{}', status: 400, error: 'invalid_request' },
    ];
    for (const c of cases) {
      const r = await api(sandbox, '/oauth2/token', { headers: c.headers, body: c.body });
      assert.equal(r.status, c.status, c.error);
      assert.equal(r.json['error'], c.error);
    }
    assert.equal(sandbox.tokensIssued.length, 1);
  });

  test('messages:send: authentication, project and app', async () => {
    const sandbox = await startSandbox();
    const tok = await token(sandbox);
    const otherTok = await token(sandbox, 'other-key', 'other-secret');
    const json = { 'content-type': 'application/json' };
    const path = `/v1/projects/${PROJECT_ID}/messages:send`;
    const cases: { name: string; path?: string; headers: Record<string, string>; body?: string; status: number; google: string }[] = [
      { name: 'no credentials', headers: json, status: 401, google: 'UNAUTHENTICATED' },
      { name: 'unknown token', headers: { ...json, authorization: 'Bearer nope' }, status: 401, google: 'UNAUTHENTICATED' },
      { name: 'wrong Basic secret', headers: { ...json, authorization: basic(KEY, 'x') }, status: 401, google: 'UNAUTHENTICATED' },
      { name: "another project's token", headers: { ...json, authorization: `Bearer ${otherTok}` }, status: 403, google: 'PERMISSION_DENIED' },
      { name: 'unknown project', path: '/v1/projects/nope/messages:send', headers: { ...json, authorization: `Bearer ${tok}` }, status: 404, google: 'NOT_FOUND' },
      { name: 'unknown app', headers: { ...json, authorization: `Bearer ${tok}` }, body: sendBody({ app_id: 'nope' }), status: 404, google: 'NOT_FOUND' },
      { name: 'bearer token', headers: { ...json, authorization: `Bearer ${tok}` }, status: 200, google: '' },
      { name: 'Basic key:secret', headers: { ...json, authorization: basic() }, status: 200, google: '' },
    ];
    for (const c of cases) {
      const r = await api(sandbox, c.path ?? path, { headers: c.headers, body: c.body ?? sendBody() });
      assert.equal(r.status, c.status, c.name);
      if (c.status === 200) {
        assert.match(String(r.json['message_id']), /^[0-9A-Z]{26}$/);
        assert.ok(!Number.isNaN(Date.parse(String(r.json['accepted_time']))));
      } else {
        assert.equal(r.json['error']?.['status'], c.google, c.name);
        assert.equal(r.json['error']?.['code'], c.status);
        assert.equal(typeof r.json['error']?.['message'], 'string');
      }
    }
    const unauth = await api(sandbox, path, { headers: json, body: sendBody() });
    assert.match(unauth.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  test('messages:send: malformed requests are 400 INVALID_ARGUMENT', async () => {
    const sandbox = await startSandbox();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await token(sandbox)}` };
    const wa = (identity = '46701230100') => ({ identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity }] } });
    const cases: { name: string; body: string; match: RegExp; contentType?: string }[] = [
      { name: 'not JSON', body: '{"app_id":', match: /Invalid JSON payload/ },
      { name: 'wrong content type', body: sendBody(), contentType: 'text/plain', match: /application\/json/ },
      { name: 'no app_id', body: sendBody({ app_id: undefined }), match: /app_id/ },
      { name: 'no recipient', body: sendBody({ recipient: undefined }), match: /recipient/ },
      { name: 'empty identities', body: sendBody({ recipient: { identified_by: { channel_identities: [] } } }), match: /channel_identities/ },
      { name: 'contact_id', body: sendBody({ recipient: { contact_id: 'c1' } }), match: /contact_id/ },
      { name: 'no message', body: sendBody({ message: undefined }), match: /message/ },
      { name: 'no message kind', body: sendBody({ message: {} }), match: /exactly one of .*found none/ },
      { name: 'two message kinds', body: sendBody({ message: { text_message: { text: 'a' }, media_message: { url: 'https://x.example/a.png' } } }), match: /found text_message, media_message/ },
      { name: 'empty text', body: sendBody({ message: { text_message: { text: '' } } }), match: /text_message\.text/ },
      { name: 'media without url', body: sendBody({ message: { media_message: {} } }), match: /media_message\.url/ },
      { name: 'template without reference', body: sendBody({ message: { template_message: {} } }), match: /omni_template or channel_template/ },
      { name: 'omni template without version', body: sendBody({ message: { template_message: { omni_template: { template_id: 't' } } } }), match: /version/ },
      { name: 'card with 11 choices', body: sendBody({ message: { card_message: { title: 't', choices: Array.from({ length: 11 }, () => ({ text_message: { text: 'c' } })) } } }), match: /at most 10/ },
      { name: 'channel the app lacks', body: sendBody({ recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '46701230100' }] } } }), match: /SMS is not configured/ },
      {
        name: 'priority channel the app lacks',
        body: sendBody({
          recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701230100' }, { channel: 'SMS', identity: '46701230100' }] } },
          channel_priority_order: ['WHATSAPP', 'SMS'],
        }),
        match: /SMS is not configured/,
      },
      { name: 'priority channel without identity', body: sendBody({ recipient: wa(), channel_priority_order: ['RCS'] }), match: /no identity for channel RCS/ },
      { name: 'unknown channel', body: sendBody({ recipient: { identified_by: { channel_identities: [{ channel: 'PIGEON', identity: '1' }] } } }), match: /unknown channel/ },
      { name: 'correlation_id too long', body: sendBody({ correlation_id: 'x'.repeat(129) }), match: /correlation_id/ },
    ];
    for (const c of cases) {
      const r = await api(sandbox, `/v1/projects/${PROJECT_ID}/messages:send`, {
        headers: { ...headers, 'content-type': c.contentType ?? 'application/json' },
        body: c.body,
      });
      assert.equal(r.status, 400, c.name);
      assert.equal(r.json['error']?.['status'], 'INVALID_ARGUMENT', c.name);
      assert.match(String(r.json['error']?.['message']), c.match, c.name);
    }
    assert.equal(sandbox.messages.length, 0);
  });

  test('messages:send: 429 above ratePerSecond', async () => {
    const sandbox = await startSandbox({}, { ratePerSecond: 2 });
    const adapter = createSinchConversationAdapter();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await adapter.send(ctx(sandbox), message('+46701230100')));
    assert.deepEqual(results.map((r) => r.kind), ['accepted', 'accepted', 'retry']);
    assert.ok(results[2]!.kind === 'retry');
    assert.equal(results[2]!.statusCode, 429);
    assert.equal(results[2]!.error, 'RESOURCE_EXHAUSTED');
    assert.equal(results[2]!.retryAfterMs, 1000);
  });
});

describe('Sinch Conversation sandbox: the adapter end to end', () => {
  test('one token request for many concurrent sends, then reuse', async () => {
    const sandbox = await startSandbox();
    const adapter = createSinchConversationAdapter();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => adapter.send(ctx(sandbox), message(`+4670123${String(1000 + i)}`))));
    assert.ok(results.every((r) => r.kind === 'accepted'));
    assert.equal(new Set(results.map((r) => (r.kind === 'accepted' ? r.providerMessageId : ''))).size, 20);
    assert.equal(sandbox.tokensIssued.length, 1);
    await adapter.send(ctx(sandbox), message('+46701230100'));
    assert.equal(sandbox.tokensIssued.length, 1);
    assert.equal(adapter.tokens.requests, 1);
    // The request the sandbox saw is exactly what the adapter built.
    const stored = sandbox.messages.at(-1)!;
    assert.deepEqual(JSON.parse(stored.body), {
      app_id: APP_ID,
      recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701230100' }] } },
      message: { text_message: { text: `Hello ${seq}` } },
      channel_priority_order: ['WHATSAPP'],
      message_metadata: `msg_${String(seq).padStart(4, '0')}`,
      correlation_id: `msg_${String(seq).padStart(4, '0')}`,
    });
  });

  test('a short-lived token is refreshed before it expires', async () => {
    const sandbox = await startSandbox({}, { tokenTtlSeconds: 1 });
    const adapter = createSinchConversationAdapter();
    assert.equal((await adapter.send(ctx(sandbox), message('+46701230100'))).kind, 'accepted');
    assert.equal((await adapter.send(ctx(sandbox), message('+46701230100'))).kind, 'accepted');
    assert.equal(sandbox.tokensIssued.length, 1, 'reused within half its life');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal((await adapter.send(ctx(sandbox), message('+46701230100'))).kind, 'accepted');
    assert.equal(sandbox.tokensIssued.length, 2);
    assert.ok(sandbox.requests.every((r) => r.status !== 401), 'refreshed ahead of expiry, never refused');
  });

  test('revoked tokens: one 401, one refresh, success', async () => {
    const sandbox = await startSandbox();
    const adapter = createSinchConversationAdapter();
    assert.equal((await adapter.send(ctx(sandbox), message('+46701230100'))).kind, 'accepted');
    sandbox.revokeTokens();
    const result = await adapter.send(ctx(sandbox), message('+46701230100'));
    assert.equal(result.kind, 'accepted');
    assert.equal(sandbox.tokensIssued.length, 2);
    const sends = sandbox.requests.filter((r) => r.path.endsWith('messages:send'));
    assert.deepEqual(sends.map((r) => r.status), [200, 401, 200]);
    assert.equal(sends[1]!.headers['authorization'], `Bearer ${sandbox.tokensIssued[0]!.token}`);
    assert.equal(sends[2]!.headers['authorization'], `Bearer ${sandbox.tokensIssued[1]!.token}`);
  });

  test('wrong credentials are refused at the token endpoint, a fault of the provider account (failover)', async () => {
    const sandbox = await startSandbox();
    const c = ctx(sandbox);
    const result = await createSinchConversationAdapter().send({ ...c, secrets: { ...c.secrets, access_secret: 'nope' } }, message('+46701230100'));
    assert.deepEqual(result, {
      kind: 'refused',
      statusCode: 401,
      error: 'invalid_client',
      comment: 'token endpoint: Client authentication failed: unknown access key or wrong secret.',
      fault: 'provider',
    });
  });

  test('an app without the channel refuses with 400 INVALID_ARGUMENT', async () => {
    const sandbox = await startSandbox({ channels: ['WHATSAPP'] });
    const result = await createSinchConversationAdapter().send(ctx(sandbox), message('+46701230100', { channel: 'rcs' }));
    assert.deepEqual(result, { kind: 'refused', statusCode: 400, error: 'INVALID_ARGUMENT', comment: `Channel RCS is not configured for app ${APP_ID}.` });
  });
});

describe('Sinch Conversation sandbox: test numbers and callbacks', () => {
  const storyCases: { suffix: string; channel?: 'whatsapp' | 'rcs'; first?: string; expected: string[] }[] = [
    { suffix: '0100', expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'] },
    { suffix: '0100', channel: 'rcs', expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'] },
    { suffix: '0001', expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'] },
    { suffix: '0002', expected: ['QUEUED_ON_CHANNEL→sent', 'FAILED/RECIPIENT_NOT_REACHABLE→failed'] },
    { suffix: '0003', expected: ['FAILED/DELIVERY_REJECTED_DUE_TO_POLICY→rejected'] },
    { suffix: '0004', expected: ['FAILED/OUTSIDE_ALLOWED_SENDING_WINDOW→rejected'] },
    { suffix: '0005', expected: ['FAILED/RECIPIENT_NOT_OPTED_IN→rejected'] },
    { suffix: '0006', expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered'] },
    { suffix: '0007', expected: [] },
    { suffix: '0008', first: 'retry 429 RESOURCE_EXHAUSTED', expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'] },
    { suffix: '0009', first: 'retry 500 INTERNAL', expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'] },
    {
      suffix: '0010',
      expected: ['(switching channel (RECIPIENT_NOT_REACHABLE: The recipient could not be reached on the channel.))', 'FAILED/NO_CHANNELS_LEFT→failed'],
    },
    { suffix: '0021', expected: ['FAILED/RECIPIENT_INVALID_CHANNEL_IDENTITY→rejected'] },
    {
      suffix: '0022',
      expected: ['QUEUED_ON_CHANNEL→sent', 'QUEUED_ON_CHANNEL→sent', 'FAILED/RECIPIENT_INVALID_CHANNEL_IDENTITY→rejected', 'FAILED/RECIPIENT_INVALID_CHANNEL_IDENTITY→rejected'],
    },
    {
      suffix: '0013',
      expected: ['QUEUED_ON_CHANNEL→sent', 'QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'DELIVERED→delivered', 'READ→read', 'READ→read'],
    },
    { suffix: '0014', expected: ['READ→read', 'DELIVERED→delivered', 'QUEUED_ON_CHANNEL→sent'] },
  ];

  test('every test number behaves as its table row says, signed and parseable by the hub', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ webhookUrl: receiver.url });
    const adapter = createSinchConversationAdapter();
    const covered = new Set<string>();
    await Promise.all(
      storyCases.map(async (c) => {
        covered.add(c.suffix);
        const m = message(`+4670123${c.suffix}`, { channel: c.channel ?? 'whatsapp' });
        let result = await adapter.send(ctx(sandbox), m);
        if (c.first) {
          assert.ok(result.kind === 'retry', c.suffix);
          assert.equal(`retry ${result.statusCode} ${result.error}`, c.first);
          result = await adapter.send(ctx(sandbox), m);
        }
        assert.equal(result.kind, 'accepted', c.suffix);
      }),
    );
    await sandbox.idle();
    for (const c of storyCases) {
      const m = sandbox.messages.find((x) => x.identity === `4670123${c.suffix}` && x.channel === (c.channel ?? 'whatsapp').toUpperCase());
      assert.ok(m, c.suffix);
      assert.deepEqual(story(receiver, m.request.correlationId), c.expected, `${c.suffix} ${c.channel ?? ''}`);
    }
    // Every number in the table is exercised.
    for (const suffix of Object.keys(TEST_NUMBERS)) assert.ok(covered.has(suffix), suffix);
    // Reports carry the identity as digits, without "+" (B.5).
    const first = receiver.received[0]!.json['message_delivery_report'] as { channel_identity: { identity: string } };
    assert.match(first.channel_identity.identity, /^\d+$/);
  });

  test('a slow number is ten times slower', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ webhookUrl: receiver.url });
    const adapter = createSinchConversationAdapter();
    const started = Date.now();
    await adapter.send(ctx(sandbox), message('+46701230001'));
    await sandbox.idle();
    assert.ok(receiver.received[0]!.at - started >= 180, 'QUEUED_ON_CHANNEL after about 10 × 20 ms');
    assert.ok(receiver.received.at(-1)!.at - started >= 900, 'READ after about 10 × 100 ms');
  });

  test('SMS has no read receipts; unknown identities and templates fail as callbacks', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({
      webhookUrl: receiver.url,
      channels: ['WHATSAPP', 'RCS', 'SMS'],
      templates: [{ id: 'order_shipped', language_code: 'en_US' }, { id: '01OMNI' }],
    });
    const adapter = createSinchConversationAdapter();
    const cases: { m: OutboundMessage; expected: string[] }[] = [
      { m: message('+46701230100', { channel: 'sms', content: null, body: 'hi' }), expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered'] },
      { m: message('+123', {}), expected: ['FAILED/RECIPIENT_INVALID_CHANNEL_IDENTITY→rejected'] },
      {
        m: message('+46701230100', { content: { type: 'template', scope: 'channel', template_id: 'order_shipped', language_code: 'en-US' } }),
        expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'],
      },
      {
        m: message('+46701230100', { content: { type: 'template', scope: 'channel', template_id: 'order_shipped', language_code: 'sv_SE' } }),
        expected: ['FAILED/TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION→rejected'],
      },
      { m: message('+46701230100', { content: { type: 'template', scope: 'channel', template_id: 'nope', language_code: 'en_US' } }), expected: ['FAILED/TEMPLATE_NOT_FOUND→rejected'] },
      { m: message('+46701230100', { content: { type: 'template', scope: 'omni', template_id: '01OMNI' } }), expected: ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read'] },
      { m: message('+46701230100', { content: { type: 'template', scope: 'omni', template_id: '01NOPE' } }), expected: ['FAILED/TEMPLATE_NOT_FOUND→rejected'] },
    ];
    for (const c of cases) assert.equal((await adapter.send(ctx(sandbox), c.m)).kind, 'accepted');
    await sandbox.idle();
    for (const c of cases) assert.deepEqual(story(receiver, c.m.messageId), c.expected, c.m.messageId);
  });

  test('callbacks are retried on 5xx, signed afresh', async () => {
    const receiver = await startReceiver((n) => (n < 2 ? 503 : 200));
    // DELIVERED well after QUEUED_ON_CHANNEL's retries, so the two 503s are QUEUED_ON_CHANNEL's
    // however busy the machine is.
    const sandbox = await startSandbox({ webhookUrl: receiver.url }, { delays: { queuedMs: 20, deliveredMs: 1000, readMs: 1500 } });
    const m = message('+46701230006');
    await createSinchConversationAdapter().send(ctx(sandbox), m);
    await sandbox.idle();
    const attempts = sandbox.callbacks.filter((c) => c.trigger === 'MESSAGE_DELIVERY');
    const queued = attempts.filter((a) => (a.payload['message_delivery_report'] as { status: string }).status === 'QUEUED_ON_CHANNEL');
    assert.deepEqual(queued.map((a) => [a.attempt, a.status]), [[1, 503], [2, 503], [3, 200]]);
    assert.equal(new Set(queued.map((a) => a.headers['x-sinch-webhook-signature-nonce'])).size, 3);
    assert.equal(new Set(queued.map((a) => a.body)).size, 1, 'the same bytes each time');
    // Retries do not hold back later reports: the hub sees them in any order.
    assert.deepEqual(story(receiver, m.messageId).sort(), ['DELIVERED→delivered', 'QUEUED_ON_CHANNEL→sent', 'QUEUED_ON_CHANNEL→sent', 'QUEUED_ON_CHANNEL→sent']);
  });

  test('unsigned when the app has no webhook secret', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ webhookUrl: receiver.url, webhookSecret: undefined });
    await createSinchConversationAdapter().send(ctx(sandbox), message('+46701230006'));
    await sandbox.idle();
    assert.equal(receiver.received.length, 2);
    for (const r of receiver.received) assert.equal(r.headers['x-sinch-webhook-signature'], undefined);
  });

  test('injected inbound messages and opt-outs reach the hub', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ webhookUrl: receiver.url });
    const text = await sandbox.injectInbound({ appId: APP_ID, channel: 'WHATSAPP', from: '+46701234567', text: 'Yes please' });
    const media = await sandbox.injectInbound({ appId: APP_ID, channel: 'RCS', from: '46701234567', mediaUrl: 'https://media.example.com/a.jpg' });
    const optOut = await sandbox.injectConsent({ appId: APP_ID, channel: 'WHATSAPP', identity: '+46701234567', optedOut: true });
    assert.deepEqual([text.status, media.status, optOut.status], [200, 200, 200]);
    const updates = receiver.received.map((r) => hubParse(r)[0]!);
    assert.deepEqual(updates[0], {
      kind: 'inbound',
      channel: 'whatsapp',
      from: '+46701234567',
      to: APP_ID,
      text: 'Yes please',
      media: [],
      providerMessageId: text.id,
      occurredAt: updates[0]!.kind === 'inbound' ? updates[0]!.occurredAt : null,
    });
    assert.ok(updates[0].kind === 'inbound' && updates[0].occurredAt instanceof Date);
    assert.ok(updates[1]!.kind === 'inbound');
    assert.equal(updates[1]!.channel, 'rcs');
    assert.deepEqual(updates[1]!.media, [{ url: 'https://media.example.com/a.jpg', contentType: null }]);
    assert.ok(updates[2]!.kind === 'consent');
    assert.deepEqual({ ...updates[2]!, occurredAt: null }, { kind: 'consent', channel: 'whatsapp', phone: '+46701234567', optedOut: true, occurredAt: null });
    // The envelope of B.5.
    const env = receiver.received[0]!.json;
    assert.deepEqual(Object.keys(env).sort(), ['accepted_time', 'app_id', 'correlation_id', 'event_time', 'message', 'message_metadata', 'project_id']);
    assert.equal((env['message'] as { direction: string }).direction, 'TO_APP');

    // The same over HTTP for a standalone sandbox (Basic key:secret).
    const viaHttp = await api(sandbox, `/sandbox/v1/projects/${PROJECT_ID}/apps/${APP_ID}/inbound`, {
      headers: { authorization: basic(), 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'RCS', from: '+46701239999', text: 'hello' }),
    });
    assert.equal(viaHttp.status, 200);
    assert.equal(viaHttp.json['status'], 200);
    const last = hubParse(receiver.received.at(-1)!)[0]!;
    assert.ok(last.kind === 'inbound' && last.text === 'hello' && last.from === '+46701239999');
  });
});

/** The official SDK, pointed at a sandbox with the test project's key. */
function sdkClient(url: string): SinchClient {
  return new SinchClient({ projectId: PROJECT_ID, keyId: KEY, keySecret: SECRET, conversationRegion: 'eu', conversationHostname: url, authHostname: url });
}

describe('Sinch Conversation sandbox: the official SDK', () => {
  test('SinchClient sends through the sandbox unchanged, and refreshes a revoked token', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ webhookUrl: receiver.url });
    const client = sdkClient(sandbox.url);
    const sent = await client.conversation.messages.send({
      sendMessageRequestBody: {
        app_id: APP_ID,
        recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701230100' }] } },
        message: { text_message: { text: 'Hello from the SDK' } },
        message_metadata: 'msg_sdk_1',
        correlation_id: 'msg_sdk_1',
      },
    });
    assert.match(sent.message_id ?? '', /^[0-9A-Z]{26}$/);
    assert.ok(sent.accepted_time instanceof Date, 'the SDK revives accepted_time');
    const tokenRequest = sandbox.requests.find((r) => r.path === '/oauth2/token');
    assert.equal(tokenRequest?.status, 200);
    assert.equal(tokenRequest?.body, 'grant_type=client_credentials');

    const card = await client.conversation.messages.sendCardMessage({
      sendMessageRequestBody: {
        app_id: APP_ID,
        recipient: { identified_by: { channel_identities: [{ channel: 'RCS', identity: '46701230006' }] } },
        message: { card_message: { title: 'Card', choices: [{ text_message: { text: 'OK' }, postback_data: 'ok' }] } },
        correlation_id: 'msg_sdk_2',
      },
    });
    assert.ok(card.message_id);
    assert.equal(sandbox.tokensIssued.length, 1, 'the SDK caches its token too');

    // The SDK retries a 401 whose WWW-Authenticate says the token expired.
    sandbox.revokeTokens();
    const again = await client.conversation.messages.send({
      sendMessageRequestBody: {
        app_id: APP_ID,
        recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701230100' }] } },
        message: { text_message: { text: 'After the revocation' } },
      },
    });
    assert.ok(again.message_id);
    assert.equal(sandbox.tokensIssued.length, 2);

    // SDK errors carry the sandbox's Google-style body.
    await assert.rejects(
      client.conversation.messages.send({
        sendMessageRequestBody: {
          app_id: 'nope',
          recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701230100' }] } },
          message: { text_message: { text: 'x' } },
        },
      }),
      (err: unknown) => /404/.test(String((err as { statusCode?: number }).statusCode ?? err)),
    );

    await sandbox.idle();
    assert.deepEqual(story(receiver, 'msg_sdk_1'), ['QUEUED_ON_CHANNEL→sent', 'DELIVERED→delivered', 'READ→read']);
    // validateWebhookSignature accepts every callback the sandbox sent.
    assert.ok(sandbox.callbacks.length >= 7);
    for (const cb of sandbox.callbacks) assert.equal(validateWebhookSignature(WEBHOOK_SECRET, cb.headers, cb.body), true);
    // And the SDK's own webhook helper authenticates and recognises them.
    const webhooks = new ConversationCallbackWebhooks(WEBHOOK_SECRET);
    for (const r of receiver.received) {
      assert.equal(webhooks.validateAuthenticationHeader(r.headers, r.raw.toString('utf8'), '/', 'POST'), true);
      assert.equal(webhooks.parseEvent(r.raw.toString('utf8')).trigger, 'MESSAGE_DELIVERY');
    }
  });

  test('app.get reads the app; unknown apps are 404, wrong secrets 401, as the SDK sees them', async () => {
    const sandbox = await startSandbox({ displayName: 'Shop' });
    const options = { projectId: PROJECT_ID, keyId: KEY, keySecret: SECRET, conversationRegion: 'eu' as const, conversationHostname: sandbox.url, authHostname: sandbox.url };
    const client = new SinchClient(options);
    const app = await client.conversation.app.get({ app_id: APP_ID });
    assert.equal(app.id, APP_ID);
    assert.equal(app.display_name, 'Shop');
    assert.deepEqual(app.channel_credentials?.map((c) => [c.channel, c.state?.status]), [['WHATSAPP', 'ACTIVE'], ['RCS', 'ACTIVE']]);
    const status = (code: number) => (err: unknown) => (err as { statusCode?: number }).statusCode === code || new RegExp(String(code)).test(String(err));
    await assert.rejects(client.conversation.app.get({ app_id: 'no-such-app' }), status(404));
    await assert.rejects(new SinchClient({ ...options, keySecret: 'wrong' }).conversation.app.get({ app_id: APP_ID }), status(401));
  });

  test('messages.get and messages.list read sent messages back, with their status', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ webhookUrl: receiver.url });
    const client = sdkClient(sandbox.url);
    const ids: string[] = [];
    for (const [i, identity] of ['46701230100', '46701230101', '46701230102'].entries()) {
      const sent = await client.conversation.messages.send({
        sendMessageRequestBody: {
          app_id: APP_ID,
          recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity }] } },
          message: { text_message: { text: `Read me back ${i}` } },
          message_metadata: `meta-${i}`,
        },
      });
      ids.push(sent.message_id!);
    }
    await sandbox.idle();

    const one = await client.conversation.messages.get({ message_id: ids[0]! });
    assert.equal(one.id, ids[0]);
    assert.equal(one.direction, 'TO_CONTACT');
    assert.deepEqual(one.app_message, { text_message: { text: 'Read me back 0' } });
    assert.deepEqual(one.channel_identity, { channel: 'WHATSAPP', identity: '46701230100', app_id: APP_ID });
    assert.equal(one.metadata, 'meta-0');
    assert.equal(one.message_status?.status, 'READ', 'the furthest status its reports reached');
    await assert.rejects(client.conversation.messages.get({ message_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }), (err: unknown) =>
      /404/.test(String((err as { statusCode?: number }).statusCode ?? err)),
    );

    // Newest first, paged by next_page_token; the SDK's iterator follows the pages.
    const first = await client.conversation.messages.list({ app_id: APP_ID, page_size: 2 });
    assert.deepEqual(first.data.map((m) => m.id), [ids[2], ids[1]]);
    assert.equal(first.hasNextPage, true);
    const all: string[] = [];
    for await (const m of client.conversation.messages.list({ app_id: APP_ID, page_size: 2 })) all.push(m.id!);
    assert.deepEqual(all, [...ids].reverse());
    const byIdentity = await client.conversation.messages.list({ channel_identity: '46701230101' });
    assert.deepEqual(byIdentity.data.map((m) => m.id), [ids[1]]);
    const incoming = await client.conversation.messages.list({ direction: 'TO_APP' });
    assert.deepEqual(incoming.data, []);
    await assert.rejects(client.conversation.messages.list({ page_size: 5000 }), (err: unknown) =>
      /400/.test(String((err as { statusCode?: number }).statusCode ?? err)),
    );
  });
});

describe('Sinch Conversation sandbox: CLI', () => {
  test('--help prints the usage', async () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await runSinchConversationSandbox(['--help']);
    } finally {
      process.stdout.write = original;
    }
    assert.equal(written.join(''), `${SINCH_CONVERSATION_SANDBOX_USAGE}\n`);
    assert.match(SINCH_CONVERSATION_SANDBOX_USAGE, /--port N\s+port \(default 8083/);
    await assert.rejects(runSinchConversationSandbox(['--channels', 'PIGEON']), /unknown channel 'PIGEON'/);
  });
});
