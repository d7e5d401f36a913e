import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testTransportFailures } from '../test-support/adapter-transport.js';
import { answer, cannedServerForFile, type Handler } from '../test-support/http-server.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import type { SinchSmsConfig, SinchSmsSecrets } from './config.js';
import { createSinchSmsAdapter, sinchSmsAdapter } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const TOKEN = 'tok_secret_123';
const DELIVERY_URL = 'https://hub.example.com/webhooks/int_1/tok/delivery';

const { server, agent } = cannedServerForFile();
const requests = server.requests;

function ctx(config: Partial<SinchSmsConfig> = {}): SendContext<SinchSmsConfig, SinchSmsSecrets> {
  return {
    config: { service_plan_id: 'plan_1', region: 'eu', base_url: server.baseUrl, ...config },
    secrets: { api_token: TOKEN },
    pool: agent,
    timeoutMs: 15_000,
    webhookUrls: { delivery: DELIVERY_URL, inbound: 'https://hub.example.com/webhooks/int_1/tok/inbound' },
  };
}

const message = (m: Partial<OutboundMessage> = {}): OutboundMessage => ({
  media: [],
  content: null,
  statusCallbackUrl: `${DELIVERY_URL}?message_id=msg_01`,
  messageId: 'msg_01',
  channel: 'sms',
  to: '+46701234567',
  from: '+15551256344',
  body: 'Hello från Switchboard',
  parts: 1,
  ...m,
});

test('send: the request is a per-recipient batch with bearer auth', async () => {
  requests.length = 0;
  server.handler = answer(201, fixture('batch-created-201.json'));
  const result = await sinchSmsAdapter.send(ctx(), message());
  assert.deepEqual(result, { kind: 'accepted', providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ' });
  assert.equal(requests.length, 1);
  const req = requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/xms/v1/plan_1/batches');
  assert.equal(req.headers['authorization'], `Bearer ${TOKEN}`);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), {
    to: ['+46701234567'],
    from: '+15551256344',
    body: 'Hello från Switchboard',
    delivery_report: 'per_recipient',
    callback_url: DELIVERY_URL,
    client_reference: 'msg_01',
  });
});

test('send: sender falls back to default_sender, and is omitted when there is none', async () => {
  server.handler = answer(201, '{"id":"b1"}');
  const cases: { config: Partial<SinchSmsConfig>; from: string | null; expected: string | undefined }[] = [
    { config: { default_sender: 'Brand' }, from: null, expected: 'Brand' },
    { config: { default_sender: 'Brand' }, from: '+15550001111', expected: '+15550001111' },
    { config: {}, from: null, expected: undefined },
  ];
  for (const c of cases) {
    requests.length = 0;
    await sinchSmsAdapter.send(ctx(c.config), message({ from: c.from }));
    const body = JSON.parse(requests[0]!.body) as Record<string, unknown>;
    assert.equal(body['from'], c.expected);
    assert.equal('from' in body, c.expected !== undefined);
  }
});

test('send: base_url with a path prefix and trailing slash', async () => {
  requests.length = 0;
  server.handler = answer(201, '{"id":"b2"}');
  await sinchSmsAdapter.send(ctx({ base_url: `${server.baseUrl}/proxy/sinch/` }), message());
  assert.equal(requests[0]!.url, '/proxy/sinch/xms/v1/plan_1/batches');
});

const responseCases: { name: string; handler: Handler; expected: SendResult }[] = [
  { name: '201', handler: answer(201, fixture('batch-created-201.json')), expected: { kind: 'accepted', providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ' } },
  { name: '200', handler: answer(200, '{"id":"01ABC"}'), expected: { kind: 'accepted', providerMessageId: '01ABC' } },
  {
    name: '400 {code,text}',
    handler: answer(400, fixture('error-400-invalid-parameter.json')),
    expected: {
      kind: 'refused',
      statusCode: 400,
      error: 'syntax_invalid_parameter_format',
      comment: "The format of parameter 'to[0]' is invalid; value '+1' is not a valid MSISDN or group ID.",
    },
  },
  {
    name: '403 missing_callback_url',
    handler: answer(403, fixture('error-403-missing-callback-url.json')),
    expected: { kind: 'refused', statusCode: 403, error: 'missing_callback_url', comment: 'Requesting delivery report without any callback URL.' },
  },
  {
    name: '400 OAuth-style body',
    handler: answer(400, '{"error":{"code":400,"message":"Invalid argument","status":"INVALID_ARGUMENT","details":[]}}'),
    expected: { kind: 'refused', statusCode: 400, error: 'INVALID_ARGUMENT', comment: 'Invalid argument' },
  },
  {
    name: '401 empty body',
    handler: answer(401),
    expected: { kind: 'refused', statusCode: 401, error: 'unauthorized', comment: 'Authentication token is invalid for this service plan' },
  },
  {
    name: '401 body echoing the token',
    handler: answer(401, `Bad token ${TOKEN}\n`),
    expected: { kind: 'refused', statusCode: 401, error: 'unauthorized', comment: 'Bad token [redacted]' },
  },
  { name: '404', handler: answer(404, 'Not Found'), expected: { kind: 'refused', statusCode: 404, error: 'not_found', comment: 'Not Found' } },
  { name: '415', handler: answer(415), expected: { kind: 'refused', statusCode: 415, error: 'unsupported_media_type', comment: 'Missing or unsupported Content-Type' } },
  {
    name: '429 with Retry-After',
    handler: answer(429, '', { 'retry-after': '7' }),
    expected: { kind: 'retry', statusCode: 429, error: 'too_many_requests', comment: 'The user or path has too many outstanding requests', retryAfterMs: 7000 },
  },
  { name: '500', handler: answer(500), expected: { kind: 'retry', statusCode: 500, error: 'internal_error', comment: 'Internal error' } },
  { name: '503', handler: answer(503, '', { 'retry-after': 'soon' }), expected: { kind: 'retry', statusCode: 503, error: 'service_unavailable', comment: 'Service unavailable' } },
  {
    name: '502 non-JSON body',
    handler: answer(502, '<html>\n  <body>Bad   Gateway</body>\n</html>\n'),
    expected: { kind: 'retry', statusCode: 502, error: 'http_502', comment: '<html> <body>Bad Gateway</body> </html>' },
  },
];

for (const c of responseCases) {
  test(`send: maps ${c.name}`, async () => {
    server.handler = c.handler;
    assert.deepEqual(await sinchSmsAdapter.send(ctx(), message()), c.expected);
  });
}

testTransportFailures({
  answerWith: (handler) => (server.handler = handler),
  closeAllConnections: () => server.closeAllConnections(),
  send: ({ baseUrl, signal, timeoutMs }) =>
    createSinchSmsAdapter().send({ ...ctx(baseUrl ? { base_url: baseUrl } : {}), signal, ...(timeoutMs ? { timeoutMs } : {}) }, message()),
  secrets: [TOKEN],
});
