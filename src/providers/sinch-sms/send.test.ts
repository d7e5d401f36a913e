import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import type { SinchSmsConfig, SinchSmsSecrets } from './config.js';
import { createSinchSmsAdapter, sinchSmsAdapter } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const TOKEN = 'tok_secret_123';
const DELIVERY_URL = 'https://hub.example.com/webhooks/int_1/tok/delivery';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler = (_req, res) => res.end();
const requests: Recorded[] = [];
const agent = new Agent();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await agent.close();
});

function ctx(config: Partial<SinchSmsConfig> = {}): SendContext<SinchSmsConfig, SinchSmsSecrets> {
  return {
    config: { service_plan_id: 'plan_1', region: 'eu', base_url: baseUrl, ...config },
    secrets: { api_token: TOKEN },
    dispatcher: agent,
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

function answer(status: number, body = '', headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain', ...headers });
    res.end(body);
  };
}

test('send: the request is a per-recipient batch with bearer auth', async () => {
  requests.length = 0;
  handler = answer(201, fixture('batch-created-201.json'));
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
  handler = answer(201, '{"id":"b1"}');
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
  handler = answer(201, '{"id":"b2"}');
  await sinchSmsAdapter.send(ctx({ base_url: `${baseUrl}/proxy/sinch/` }), message());
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
    handler = c.handler;
    assert.deepEqual(await sinchSmsAdapter.send(ctx(), message()), c.expected);
  });
}

test('send: a long error body is cut', async () => {
  handler = answer(502, 'x'.repeat(100_000));
  const result = await sinchSmsAdapter.send(ctx(), message());
  assert.equal(result.kind, 'retry');
  assert.ok(result.kind === 'retry' && result.comment.length <= 300);
});

test('send: connection refused is a network retry', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const result = await sinchSmsAdapter.send(ctx({ base_url: `http://127.0.0.1:${port}` }), message());
  assert.equal(result.kind, 'retry');
  assert.ok(result.kind === 'retry');
  assert.equal(result.statusCode, null);
  assert.equal(result.error, 'ECONNREFUSED');
  assert.ok(result.comment.length > 0);
  assert.ok(!result.comment.includes(TOKEN));
});

test('send: a server that never answers times out as a retry', async () => {
  handler = () => {}; // hold the request open
  const adapter = createSinchSmsAdapter({ timeoutMs: 200 });
  const started = Date.now();
  const result = await adapter.send(ctx(), message());
  assert.ok(Date.now() - started < 5_000);
  assert.equal(result.kind, 'retry');
  assert.ok(result.kind === 'retry');
  assert.equal(result.statusCode, null);
  assert.equal(result.error, 'UND_ERR_HEADERS_TIMEOUT');
  server.closeAllConnections();
});

test('send: an aborted signal is a retry', async () => {
  handler = () => {};
  const controller = new AbortController();
  const pending = sinchSmsAdapter.send({ ...ctx(), signal: controller.signal }, message());
  setTimeout(() => controller.abort(), 50);
  const result = await pending;
  assert.equal(result.kind, 'retry');
  assert.ok(result.kind === 'retry' && result.statusCode === null);
  assert.equal(result.error, 'aborted');
  server.closeAllConnections();
});
