import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testTransportFailures } from '../test-support/adapter-transport.js';
import { answer, cannedServerForFile, type Handler, type RecordedRequest } from '../test-support/http-server.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import type { SinchConversationConfig, SinchConversationSecrets } from './config.js';
import { createSinchConversationAdapter, type SinchConversationAdapter } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Answers messages:send. */
let handler: Handler = (_req, res) => res.end();
/** Answers the token endpoint; issues tok-1, tok-2, … by default. */
let tokenHandler: Handler | null = null;
const requests: RecordedRequest[] = [];
const tokenRequests: RecordedRequest[] = [];
// One server for both hosts: the token endpoint by its path, messages:send otherwise.
const { server, agent } = cannedServerForFile((rec, req, res) => {
  if (req.url === '/oauth2/token') {
    tokenRequests.push(rec);
    if (tokenHandler) return tokenHandler(req, res, tokenRequests.length);
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ access_token: `tok-${tokenRequests.length}`, expires_in: 3600, token_type: 'bearer' }));
  }
  requests.push(rec);
  handler(req, res, requests.length);
});

const SECRET = 'access-secret-xyz';

function ctx(config: Partial<SinchConversationConfig> = {}): SendContext<SinchConversationConfig, SinchConversationSecrets> {
  return {
    config: { project_id: 'prj-1', app_id: 'app-1', region: 'eu', base_url: server.baseUrl, auth_url: `${server.baseUrl}/oauth2/token`, ...config },
    secrets: { access_key: 'key-1', access_secret: SECRET },
    pool: agent,
    timeoutMs: 15_000,
    webhookUrls: { callbacks: 'https://hub.example.com/webhooks/int_1/tok/callbacks' },
  };
}

const message = (m: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'msg_01',
  channel: 'whatsapp',
  to: '+46701234567',
  from: null,
  body: '',
  parts: 1,
  media: [],
  content: { type: 'text', text: 'Hello från Switchboard' },
  statusCallbackUrl: 'https://hub.example.com/webhooks/int_1/tok/callbacks?message_id=msg_01',
  ...m,
});

const accepted = answer(200, fixture('send-response-200.json'));
const fresh = (): SinchConversationAdapter => createSinchConversationAdapter();

test('send: POST messages:send with a bearer token from the token endpoint', async () => {
  requests.length = 0;
  tokenRequests.length = 0;
  handler = accepted;
  const adapter = fresh();
  const result = await adapter.send(ctx({ project_id: 'e2df3a34 a/b' }), message());
  assert.deepEqual(result, { kind: 'accepted', providerMessageId: '01J0S3NA1B2C3D4E5F6G7H8J9K', parts: 1 });
  assert.equal(tokenRequests.length, 1);
  assert.equal(tokenRequests[0]!.headers['authorization'], `Basic ${Buffer.from(`key-1:${SECRET}`).toString('base64')}`);
  const req = requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v1/projects/e2df3a34%20a%2Fb/messages:send');
  assert.equal(req.headers['authorization'], 'Bearer tok-1');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), {
    app_id: 'app-1',
    recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701234567' }] } },
    message: { text_message: { text: 'Hello från Switchboard' } },
    channel_priority_order: ['WHATSAPP'],
    message_metadata: 'msg_01',
    correlation_id: 'msg_01',
  });
  // The next send reuses the token.
  await adapter.send(ctx(), message());
  assert.equal(tokenRequests.length, 1);
  assert.equal(requests[1]!.headers['authorization'], 'Bearer tok-1');
});

const contentCases: { name: string; message: Partial<OutboundMessage>; expected: Record<string, unknown>; channel?: string; properties?: Record<string, string> }[] = [
  { name: 'text', message: {}, expected: { text_message: { text: 'Hello från Switchboard' } } },
  { name: 'no content: the text body', message: { content: null, body: 'Plain body' }, expected: { text_message: { text: 'Plain body' } } },
  {
    name: 'media with thumbnail and file name',
    message: { content: { type: 'media', url: 'https://cdn.example.com/a.pdf', thumbnail_url: 'https://cdn.example.com/a.png', filename: 'invoice.pdf' } },
    expected: { media_message: { url: 'https://cdn.example.com/a.pdf', thumbnail_url: 'https://cdn.example.com/a.png', filename_override: 'invoice.pdf' } },
  },
  {
    name: 'media, url only',
    message: { content: { type: 'media', url: 'https://cdn.example.com/p.jpg' } },
    expected: { media_message: { url: 'https://cdn.example.com/p.jpg' } },
  },
  {
    name: 'omni template, version defaults to latest',
    message: { content: { type: 'template', scope: 'omni', template_id: '01TPL' } },
    expected: { template_message: { omni_template: { template_id: '01TPL', version: 'latest' } } },
  },
  {
    name: 'omni template with version, language and parameters',
    message: { content: { type: 'template', scope: 'omni', template_id: '01TPL', version: '3', language_code: 'en-US', parameters: { name: 'Alice' } } },
    expected: { template_message: { omni_template: { template_id: '01TPL', version: '3', language_code: 'en-US', parameters: { name: 'Alice' } } } },
  },
  {
    name: 'WhatsApp channel template: name and underscored language',
    message: {
      content: { type: 'template', scope: 'channel', template_id: 'order_shipped', language_code: 'en-US', parameters: { 'body[1]text': 'A-42' } },
    },
    expected: { template_message: { channel_template: { WHATSAPP: { template_id: 'order_shipped', language_code: 'en_US', parameters: { 'body[1]text': 'A-42' } } } } },
  },
  {
    name: 'RCS channel template',
    message: { channel: 'rcs', content: { type: 'template', scope: 'channel', template_id: 'promo', version: '2', language_code: 'sv-SE', parameters: {} } },
    expected: { template_message: { channel_template: { RCS: { template_id: 'promo', version: '2', language_code: 'sv-SE' } } } },
    channel: 'RCS',
  },
  {
    name: 'card with media and choices',
    message: {
      channel: 'rcs',
      content: {
        type: 'card',
        title: 'Your parcel',
        description: 'Arrives tomorrow',
        media_url: 'https://cdn.example.com/parcel.png',
        choices: [{ text: 'Track', postback_data: 'track' }, { text: 'Reschedule' }],
      },
    },
    expected: {
      card_message: {
        title: 'Your parcel',
        description: 'Arrives tomorrow',
        media_message: { url: 'https://cdn.example.com/parcel.png' },
        choices: [{ text_message: { text: 'Track' }, postback_data: 'track' }, { text_message: { text: 'Reschedule' } }],
      },
    },
    channel: 'RCS',
  },
  { name: 'card, title only', message: { content: { type: 'card', title: 'Hi', choices: [] } }, expected: { card_message: { title: 'Hi' } } },
  // WhatsApp has no sender property: the sender is the app's WhatsApp sender.
  { name: 'WhatsApp ignores from', message: { from: '+15550001111' }, expected: { text_message: { text: 'Hello från Switchboard' } } },
  {
    name: 'SMS takes from as SMS_SENDER',
    message: { channel: 'sms', from: 'Brand', content: null, body: 'Hi' },
    expected: { text_message: { text: 'Hi' } },
    channel: 'SMS',
    properties: { SMS_SENDER: 'Brand' },
  },
];

for (const c of contentCases) {
  test(`send: ${c.name}`, async () => {
    requests.length = 0;
    handler = accepted;
    const result = await fresh().send(ctx(), message(c.message));
    assert.equal(result.kind, 'accepted');
    const body = JSON.parse(requests[0]!.body) as Record<string, unknown>;
    const channel = c.channel ?? 'WHATSAPP';
    assert.deepEqual(body, {
      app_id: 'app-1',
      recipient: { identified_by: { channel_identities: [{ channel, identity: '46701234567' }] } },
      message: c.expected,
      channel_priority_order: [channel],
      ...(c.properties ? { channel_properties: c.properties } : {}),
      message_metadata: 'msg_01',
      correlation_id: 'msg_01',
    });
  });
}

test('send: nothing to send is refused without a request', async () => {
  requests.length = 0;
  const result = await fresh().send(ctx(), message({ content: null, body: '' }));
  assert.deepEqual(result, { kind: 'refused', statusCode: 400, error: 'INVALID_ARGUMENT', comment: 'the message has neither content nor a text body' });
  assert.equal(requests.length, 0);
});

const responseCases: { name: string; handler: Handler; expected: SendResult }[] = [
  { name: '200', handler: accepted, expected: { kind: 'accepted', providerMessageId: '01J0S3NA1B2C3D4E5F6G7H8J9K', parts: 1 } },
  { name: '200 without a body', handler: answer(200), expected: { kind: 'accepted', providerMessageId: '', parts: 1 } },
  {
    name: '400 INVALID_ARGUMENT',
    handler: answer(400, fixture('error-400-invalid-argument.json')),
    expected: {
      kind: 'refused',
      statusCode: 400,
      error: 'INVALID_ARGUMENT',
      comment: 'Channel WHATSAPP in channel_priority_order is not configured for app 01HZ8N7R2ZK3E0C4B5W6X7Y8Z9',
    },
  },
  {
    name: '403 PERMISSION_DENIED',
    handler: answer(403, '{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED","details":[]}}'),
    expected: { kind: 'refused', statusCode: 403, error: 'PERMISSION_DENIED', comment: 'Permission denied' },
  },
  {
    name: '404 without a body',
    handler: answer(404),
    expected: { kind: 'refused', statusCode: 404, error: 'NOT_FOUND', comment: 'Unknown project or app, or an app in another region' },
  },
  {
    name: '429 with Retry-After',
    handler: answer(429, '{"error":{"code":429,"message":"Too many requests","status":"RESOURCE_EXHAUSTED"}}', { 'retry-after': '2' }),
    expected: { kind: 'retry', statusCode: 429, error: 'RESOURCE_EXHAUSTED', comment: 'Too many requests', retryAfterMs: 2000 },
  },
  {
    name: '500 INTERNAL',
    handler: answer(500, '{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}'),
    expected: { kind: 'retry', statusCode: 500, error: 'INTERNAL', comment: 'Internal error encountered.' },
  },
  { name: '503 without a body', handler: answer(503), expected: { kind: 'retry', statusCode: 503, error: 'UNAVAILABLE', comment: 'Service unavailable' } },
  {
    name: '502 HTML',
    handler: answer(502, '<html>\n <body>Bad   Gateway</body>\n</html>'),
    expected: { kind: 'retry', statusCode: 502, error: 'http_502', comment: '<html> <body>Bad Gateway</body> </html>' },
  },
  {
    name: '400 echoing the token',
    handler: (req, res, n) => answer(400, `{"error":{"code":400,"message":"bad ${req.headers['authorization']}","status":"INVALID_ARGUMENT"}}`)(req, res, n),
    expected: { kind: 'refused', statusCode: 400, error: 'INVALID_ARGUMENT', comment: 'bad Bearer [redacted]' },
  },
];

for (const c of responseCases) {
  test(`send: maps ${c.name}`, async () => {
    handler = c.handler;
    assert.deepEqual(await fresh().send(ctx(), message()), c.expected);
  });
}

test('send: a 401 drops the token, fetches a new one and retries once', async () => {
  requests.length = 0;
  tokenRequests.length = 0;
  let n = 0;
  handler = (req, res, count) => (++n === 1 ? answer(401, '{"error":{"code":401,"message":"expired","status":"UNAUTHENTICATED"}}')(req, res, count) : accepted(req, res, count));
  const result = await fresh().send(ctx(), message());
  assert.equal(result.kind, 'accepted');
  assert.equal(tokenRequests.length, 2);
  assert.deepEqual(requests.map((r) => r.headers['authorization']), ['Bearer tok-1', 'Bearer tok-2']);
});

test('send: a second 401 is a refusal, not a loop', async () => {
  requests.length = 0;
  tokenRequests.length = 0;
  handler = answer(401, '{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}');
  const result = await fresh().send(ctx(), message());
  assert.deepEqual(result, { kind: 'refused', statusCode: 401, error: 'UNAUTHENTICATED', comment: 'Request had invalid authentication credentials.' });
  assert.equal(requests.length, 2);
  assert.equal(tokenRequests.length, 2);
});

test('send: token endpoint answers decide the send', async () => {
  const cases: { handler: Handler; expected: SendResult }[] = [
    {
      handler: answer(401, '{"error":"invalid_client","error_description":"Bad client credentials"}'),
      expected: { kind: 'refused', statusCode: 401, error: 'invalid_client', comment: 'token endpoint: Bad client credentials', fault: 'provider' },
    },
    { handler: answer(503, '', { 'retry-after': '5' }), expected: { kind: 'retry', statusCode: 503, error: 'service_unavailable', comment: 'token endpoint: HTTP 503', retryAfterMs: 5000 } },
  ];
  for (const c of cases) {
    requests.length = 0;
    tokenHandler = c.handler;
    assert.deepEqual(await fresh().send(ctx(), message()), c.expected);
    assert.equal(requests.length, 0, 'no API call without a token');
  }
  tokenHandler = null;
});

testTransportFailures({
  answerWith: (h) => (handler = h),
  closeAllConnections: () => server.closeAllConnections(),
  send: ({ baseUrl, signal, timeoutMs }) =>
    createSinchConversationAdapter().send({ ...ctx(baseUrl ? { base_url: baseUrl } : {}), signal, ...(timeoutMs ? { timeoutMs } : {}) }, message()),
  secrets: [SECRET, 'tok-'],
});

test('adapter: identity and shape', () => {
  const adapter = fresh();
  assert.equal(adapter.type, 'sinch_conversation');
  assert.equal(adapter.displayName, 'Sinch Mobile Messaging (Conversation API)');
  assert.deepEqual(adapter.channels, ['whatsapp', 'rcs']);
  assert.deepEqual(adapter.webhookEndpoints.map((r) => [r.name, r.statusCallback]), [['callbacks', true]]);
  assert.notEqual(fresh().tokens, adapter.tokens, 'each adapter owns its token cache');
});
