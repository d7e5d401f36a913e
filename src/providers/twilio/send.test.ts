import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testTransportFailures } from '../test-support/adapter-transport.js';
import { answer, cannedServerForFile, type Handler } from '../test-support/http-server.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import type { TwilioConfig, TwilioSecrets } from './config.js';
import { createTwilioAdapter, twilioAdapter } from './index.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const SECRETS: TwilioSecrets = {
  auth_token: 'auth_token_secret_1',
  api_key_sid: `SK${'fedcba9876543210'.repeat(2)}`,
  api_key_secret: 'api_key_secret_2',
};
const MG = `MG${'a'.repeat(32)}`;
const STATUS_URL = 'https://hub.example.com/webhooks/int_1/tok/status?message_id=msg_01';

const { server, agent } = cannedServerForFile();
const requests = server.requests;

function ctx(config: Partial<TwilioConfig> = {}): SendContext<TwilioConfig, TwilioSecrets> {
  return {
    config: { account_sid: ACCOUNT_SID, base_url: server.baseUrl, ...config },
    secrets: SECRETS,
    pool: agent,
    timeoutMs: 15_000,
    webhookUrls: { status: 'https://hub.example.com/webhooks/int_1/tok/status', inbound: 'https://hub.example.com/webhooks/int_1/tok/inbound' },
  };
}

const message = (m: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'msg_01',
  channel: 'sms',
  to: '+14155550100',
  from: '+14155552345',
  body: 'Hello from Switchboard',
  parts: 1,
  media: [],
  content: null,
  statusCallbackUrl: STATUS_URL,
  ...m,
});

const form = (body: string): [string, string][] => [...new URLSearchParams(body)];

test('send: Create Message, form-encoded, Basic auth with the API key', async () => {
  requests.length = 0;
  server.handler = answer(201, fixture('message-created-201.json'));
  const result = await twilioAdapter.send(ctx(), message());
  assert.deepEqual(result, { kind: 'accepted', providerMessageId: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', parts: 1 });
  assert.equal(requests.length, 1);
  const req = requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
  const basic = Buffer.from(`${SECRETS.api_key_sid}:${SECRETS.api_key_secret}`).toString('base64');
  assert.equal(req.headers['authorization'], `Basic ${basic}`);
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(form(req.body), [
    ['To', '+14155550100'],
    ['From', '+14155552345'],
    ['Body', 'Hello from Switchboard'],
    ['StatusCallback', STATUS_URL],
  ]);
});

test('send: sender, body and media fields', async () => {
  server.handler = answer(201, '{"sid":"SM1","num_segments":"1"}');
  const media = ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.png?x=1&y=2'];
  const cases: { name: string; message: Partial<OutboundMessage>; expected: [string, string][] }[] = [
    { name: 'Messaging Service', message: { from: MG }, expected: [['To', '+14155550100'], ['MessagingServiceSid', MG], ['Body', 'Hello from Switchboard'], ['StatusCallback', STATUS_URL]] },
    { name: 'no sender', message: { from: null }, expected: [['To', '+14155550100'], ['Body', 'Hello from Switchboard'], ['StatusCallback', STATUS_URL]] },
    { name: 'alphanumeric', message: { from: 'MyBrand' }, expected: [['To', '+14155550100'], ['From', 'MyBrand'], ['Body', 'Hello from Switchboard'], ['StatusCallback', STATUS_URL]] },
    { name: 'short code', message: { from: '12345' }, expected: [['To', '+14155550100'], ['From', '12345'], ['Body', 'Hello from Switchboard'], ['StatusCallback', STATUS_URL]] },
    {
      name: 'MMS with text',
      message: { channel: 'mms', media },
      expected: [['To', '+14155550100'], ['From', '+14155552345'], ['Body', 'Hello from Switchboard'], ['MediaUrl', media[0]!], ['MediaUrl', media[1]!], ['StatusCallback', STATUS_URL]],
    },
    {
      name: 'MMS without text: no Body',
      message: { channel: 'mms', media, body: '' },
      expected: [['To', '+14155550100'], ['From', '+14155552345'], ['MediaUrl', media[0]!], ['MediaUrl', media[1]!], ['StatusCallback', STATUS_URL]],
    },
    { name: 'SMS ignores media', message: { media }, expected: [['To', '+14155550100'], ['From', '+14155552345'], ['Body', 'Hello from Switchboard'], ['StatusCallback', STATUS_URL]] },
    { name: 'empty SMS keeps Body', message: { body: '' }, expected: [['To', '+14155550100'], ['From', '+14155552345'], ['Body', ''], ['StatusCallback', STATUS_URL]] },
    { name: 'no status callback', message: { statusCallbackUrl: '' }, expected: [['To', '+14155550100'], ['From', '+14155552345'], ['Body', 'Hello from Switchboard']] },
    {
      name: 'characters that need encoding',
      message: { body: 'a+b & c=d 😀 %20\n' },
      expected: [['To', '+14155550100'], ['From', '+14155552345'], ['Body', 'a+b & c=d 😀 %20\n'], ['StatusCallback', STATUS_URL]],
    },
  ];
  for (const c of cases) {
    requests.length = 0;
    await twilioAdapter.send(ctx(), message(c.message));
    assert.deepEqual(form(requests[0]!.body), c.expected, c.name);
  }
});

test('send: base_url with a path prefix and trailing slash', async () => {
  requests.length = 0;
  server.handler = answer(201, '{"sid":"SM2","num_segments":"1"}');
  await twilioAdapter.send(ctx({ base_url: `${server.baseUrl}/proxy/twilio/` }), message());
  assert.equal(requests[0]!.url, `/proxy/twilio/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
});

const responseCases: { name: string; handler: Handler; expected: SendResult }[] = [
  { name: '201 spec example', handler: answer(201, fixture('message-created-201.json')), expected: { kind: 'accepted', providerMessageId: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', parts: 1 } },
  { name: '201 three segments', handler: answer(201, '{"sid":"SM3","num_segments":"3"}'), expected: { kind: 'accepted', providerMessageId: 'SM3', parts: 3 } },
  { name: '201 Messaging Service, segments "0"', handler: answer(201, '{"sid":"SM4","num_segments":"0","status":"accepted"}'), expected: { kind: 'accepted', providerMessageId: 'SM4' } },
  { name: '201 unreadable body', handler: answer(201, 'created'), expected: { kind: 'accepted', providerMessageId: '' } },
  {
    name: '400 21211',
    handler: answer(400, fixture('error-400-21211.json')),
    expected: { kind: 'refused', statusCode: 400, error: '21211', comment: "The 'To' number +1555 is not a valid phone number." },
  },
  {
    name: '400 21610 (opted out)',
    handler: answer(400, fixture('error-400-21610.json')),
    expected: {
      kind: 'refused',
      statusCode: 400,
      error: '21610',
      comment: "Message cannot be sent to the 'To' number because the customer has replied with STOP",
      optedOut: true,
    },
  },
  {
    name: '400 21635 (a landline: unreachable on SMS)',
    handler: answer(400, '{"code":21635,"message":"The \'To\' number +15005550009 is a landline.","status":400}'),
    expected: { kind: 'refused', statusCode: 400, error: '21635', comment: "The 'To' number +15005550009 is a landline.", unreachable: true },
  },
  { name: '401 20003', handler: answer(401, fixture('error-401-20003.json')), expected: { kind: 'refused', statusCode: 401, error: '20003', comment: 'Authenticate' } },
  { name: '404 no body', handler: answer(404), expected: { kind: 'refused', statusCode: 404, error: 'http_404', comment: 'HTTP 404' } },
  {
    name: '429 20429 with Retry-After',
    handler: answer(429, fixture('error-429-20429.json'), { 'retry-after': '3' }),
    expected: { kind: 'retry', statusCode: 429, error: '20429', comment: 'Too Many Requests', retryAfterMs: 3000 },
  },
  {
    name: '400 carrying 20429',
    handler: answer(400, '{"code":20429,"message":"Too Many Requests","status":400}'),
    expected: { kind: 'retry', statusCode: 400, error: '20429', comment: 'Too Many Requests' },
  },
  {
    name: '500 20500',
    handler: answer(500, '{"code":20500,"message":"Internal Server Error","more_info":"https://www.twilio.com/docs/errors/20500","status":500}'),
    expected: { kind: 'retry', statusCode: 500, error: '20500', comment: 'Internal Server Error' },
  },
  { name: '503 empty, unreadable Retry-After', handler: answer(503, '', { 'retry-after': 'soon' }), expected: { kind: 'retry', statusCode: 503, error: 'http_503', comment: 'HTTP 503' } },
  {
    name: '502 HTML',
    handler: answer(502, '<html>\n  <body>Bad   Gateway</body>\n</html>\n'),
    expected: { kind: 'retry', statusCode: 502, error: 'http_502', comment: '<html> <body>Bad Gateway</body> </html>' },
  },
  {
    name: '401 body echoing secrets',
    handler: answer(401, `{"code":20003,"message":"Bad ${SECRETS.api_key_secret} or ${SECRETS.auth_token}","status":401}`),
    expected: { kind: 'refused', statusCode: 401, error: '20003', comment: 'Bad [redacted] or [redacted]' },
  },
];

for (const c of responseCases) {
  test(`send: maps ${c.name}`, async () => {
    server.handler = c.handler;
    assert.deepEqual(await twilioAdapter.send(ctx(), message()), c.expected);
  });
}

testTransportFailures({
  answerWith: (handler) => (server.handler = handler),
  closeAllConnections: () => server.closeAllConnections(),
  send: ({ baseUrl, signal, timeoutMs }) =>
    createTwilioAdapter().send({ ...ctx(baseUrl ? { base_url: baseUrl } : {}), signal, ...(timeoutMs ? { timeoutMs } : {}) }, message()),
  secrets: Object.values(SECRETS),
});
