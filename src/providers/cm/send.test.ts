import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testTransportFailures } from '../test-support/adapter-transport.js';
import { answer, cannedServerForFile, type Handler } from '../test-support/http-server.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import type { CmConfig, CmSecrets } from './config.js';
import { cmAdapter, createCmAdapter } from './index.js';
import { cmNumber, cmSender } from './send.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const TOKEN = '5b2f1c8e-0d7a-4e3b-9f61-2a4c6e8b0d13';
const ID = 'msg_01jefq3w6y8a2b3c4d5e6f7g8h';
const REFERENCE = 'msg01jefq3w6y8a2b3c4d5e6f7g8h';

const { server, agent } = cannedServerForFile();
const requests = server.requests;

function ctx(config: Partial<CmConfig> = {}): SendContext<CmConfig, CmSecrets> {
  return {
    config: { endpoint: 'global', base_url: server.baseUrl, ...config },
    secrets: { product_token: TOKEN },
    pool: agent,
    timeoutMs: 15_000,
    webhookUrls: { status: 'https://hub.example.com/webhooks/int_1/tok/status', inbound: 'https://hub.example.com/webhooks/int_1/tok/inbound' },
  };
}

const message = (m: Partial<OutboundMessage> = {}): OutboundMessage => ({
  media: [],
  content: null,
  statusCallbackUrl: 'https://hub.example.com/webhooks/int_1/tok/status',
  messageId: ID,
  channel: 'sms',
  to: '+31612345678',
  from: 'Switchboard',
  body: 'Hello från Switchboard',
  parts: 1,
  ...m,
});

test('send: the request is CM\'s message envelope, the token in the body and no Authorization header', async () => {
  requests.length = 0;
  server.handler = answer(200, fixture('send-accepted.json'));
  const result = await cmAdapter.send(ctx(), message());
  assert.deepEqual(result, { kind: 'accepted', providerMessageId: REFERENCE, parts: 1 });
  assert.equal(requests.length, 1);
  const req = requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v1.0/message');
  assert.equal(req.headers['authorization'], undefined);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), {
    messages: {
      authentication: { producttoken: TOKEN },
      msg: [
        {
          from: 'Switchboard',
          to: [{ number: '0031612345678' }],
          body: { type: 'auto', content: 'Hello från Switchboard' },
          reference: REFERENCE,
          allowedChannels: ['SMS'],
          minimumNumberOfMessageParts: 1,
          maximumNumberOfMessageParts: 8,
        },
      ],
    },
  });
});

test('send: sender from the message, else default_sender, else none; numbers lose their "+"', async () => {
  server.handler = answer(200, fixture('send-accepted.json'));
  const cases: { config: Partial<CmConfig>; from: string | null; expected: string | undefined }[] = [
    { config: { default_sender: 'Brand' }, from: null, expected: 'Brand' },
    { config: { default_sender: 'Brand' }, from: '+3197010203040', expected: '3197010203040' },
    { config: {}, from: '3669', expected: '3669' },
    { config: {}, from: null, expected: undefined },
  ];
  for (const c of cases) {
    requests.length = 0;
    await cmAdapter.send(ctx(c.config), message({ from: c.from }));
    const msg = (JSON.parse(requests[0]!.body) as { messages: { msg: Record<string, unknown>[] } }).messages.msg[0]!;
    assert.equal(msg['from'], c.expected);
    assert.equal('from' in msg, c.expected !== undefined);
  }
  assert.equal(cmNumber('+447700900001'), '00447700900001');
  assert.equal(cmSender('+31612345678'), '31612345678');
  assert.equal(cmSender('CM Telecom'), 'CM Telecom');
});

test('send: base_url with a path prefix and a trailing slash', async () => {
  requests.length = 0;
  server.handler = answer(200, fixture('send-accepted.json'));
  await cmAdapter.send(ctx({ base_url: `${server.baseUrl}/proxy/cm/` }), message());
  assert.equal(requests[0]!.url, '/proxy/cm/v1.0/message');
});

test('send: an id with no reference form is refused before any request', async () => {
  requests.length = 0;
  const result = await cmAdapter.send(ctx(), message({ messageId: 'x'.repeat(40) }));
  assert.equal(result.kind, 'refused');
  assert.equal(requests.length, 0);
});

const body = (errorCode: number, details: string, messages: unknown[] = []) => JSON.stringify({ details, errorCode, messages });

const responseCases: { name: string; handler: Handler; expected: SendResult }[] = [
  { name: '200 errorCode 0', handler: answer(200, fixture('send-accepted.json')), expected: { kind: 'accepted', providerMessageId: REFERENCE, parts: 1 } },
  { name: '200 empty body', handler: answer(200, ''), expected: { kind: 'accepted', providerMessageId: REFERENCE } },
  {
    name: '200 errorCode 0 with three parts',
    handler: answer(200, body(0, 'Created 1 message(s)', [{ to: '0031612345678', status: 'Accepted', reference: REFERENCE, parts: 3, messageDetails: null, messageErrorCode: 0 }])),
    expected: { kind: 'accepted', providerMessageId: REFERENCE, parts: 3 },
  },
  {
    name: '400 NotAllSent with the message\'s MsisdnInvalid',
    handler: answer(400, fixture('send-not-all-sent-303.json')),
    expected: { kind: 'refused', statusCode: 400, error: '303', comment: "MsisdnInvalid: Gsm '0031612' is not a number.", fault: 'message' },
  },
  {
    name: '200 NotAllSent (the status does not decide)',
    handler: answer(200, fixture('send-not-all-sent-303.json')),
    expected: { kind: 'refused', statusCode: 200, error: '303', comment: "MsisdnInvalid: Gsm '0031612' is not a number.", fault: 'message' },
  },
  {
    name: '401 AuthenticationFailed (account)',
    handler: answer(401, fixture('send-authentication-failed-101.json')),
    expected: { kind: 'refused', statusCode: 401, error: '101', comment: 'AuthenticationFailed: No account found for the given authentication', fault: 'provider' },
  },
  { name: '400 BalanceInsufficient', handler: answer(400, body(102, '')), expected: { kind: 'refused', statusCode: 400, error: '102', comment: 'BalanceInsufficient', fault: 'provider' } },
  { name: '400 ApiKeyIncorrect', handler: answer(400, body(103, 'Invalid product token')), expected: { kind: 'refused', statusCode: 400, error: '103', comment: 'ApiKeyIncorrect: Invalid product token', fault: 'provider' } },
  {
    name: 'account code wins over a message code',
    handler: answer(400, body(101, 'x', [{ messageErrorCode: 303, messageDetails: 'y' }])),
    expected: { kind: 'refused', statusCode: 400, error: '101', comment: 'AuthenticationFailed: x', fault: 'provider' },
  },
  { name: '400 RequestMalformed', handler: answer(400, body(202, 'Malformed')), expected: { kind: 'refused', statusCode: 400, error: '202', comment: 'RequestMalformed: Malformed', fault: 'message' } },
  { name: '400 FromFieldInvalid', handler: answer(400, body(301, 'From missing')), expected: { kind: 'refused', statusCode: 400, error: '301', comment: 'FromFieldInvalid: From missing', fault: 'message' } },
  { name: '400 SpamFiltered', handler: answer(400, body(401, '')), expected: { kind: 'refused', statusCode: 400, error: '401', comment: 'SpamFiltered', fault: 'message' } },
  { name: '400 BlackListed', handler: answer(400, body(402, '')), expected: { kind: 'refused', statusCode: 400, error: '402', comment: 'BlackListed', fault: 'message' } },
  {
    name: '400 body echoing the token',
    handler: answer(400, body(103, `Token ${TOKEN} unknown`)),
    expected: { kind: 'refused', statusCode: 400, error: '103', comment: 'ApiKeyIncorrect: Token [redacted] unknown', fault: 'provider' },
  },
  { name: '500 InternalServerError', handler: answer(500, fixture('send-internal-error-500.json')), expected: { kind: 'retry', statusCode: 500, error: '500', comment: 'InternalServerError: Internal server error' } },
  { name: '200 errorCode 999', handler: answer(200, body(999, 'Unknown error')), expected: { kind: 'retry', statusCode: 200, error: '999', comment: 'Unknown: Unknown error' } },
  {
    name: '429 with a message code and Retry-After',
    handler: answer(429, body(303, 'x'), { 'retry-after': '3' }),
    expected: { kind: 'retry', statusCode: 429, error: '303', comment: 'MsisdnInvalid: x', retryAfterMs: 3000 },
  },
  { name: '429 no body', handler: answer(429, '', { 'retry-after': '7' }), expected: { kind: 'retry', statusCode: 429, error: 'too_many_requests', comment: 'Too many requests', retryAfterMs: 7000 } },
  { name: '503 no body', handler: answer(503), expected: { kind: 'retry', statusCode: 503, error: 'service_unavailable', comment: 'Service unavailable' } },
  { name: '404 HTML', handler: answer(404, '<html>Not Found</html>'), expected: { kind: 'refused', statusCode: 404, error: 'not_found', comment: '<html>Not Found</html>' } },
  { name: '401 no body', handler: answer(401), expected: { kind: 'refused', statusCode: 401, error: 'unauthorized', comment: 'Unauthorized' } },
  {
    name: '502 non-JSON body',
    handler: answer(502, '<html>\n  <body>Bad   Gateway</body>\n</html>\n'),
    expected: { kind: 'retry', statusCode: 502, error: 'http_502', comment: '<html> <body>Bad Gateway</body> </html>' },
  },
  {
    name: '200 Rejected without an errorCode (older answers)',
    handler: answer(200, fixture('send-rejected-no-errorcode.json')),
    expected: { kind: 'refused', statusCode: 200, error: 'rejected', comment: 'A body without content was found' },
  },
  {
    name: '200 Rejected with a message code and errorCode 0',
    handler: answer(200, body(0, 'x', [{ status: 'Rejected', messageErrorCode: 304, messageDetails: 'Empty body' }])),
    expected: { kind: 'refused', statusCode: 200, error: '304', comment: 'BodyFieldInvalid: Empty body', fault: 'message' },
  },
  {
    name: '200 Accepted without an errorCode',
    handler: answer(200, '{"details":"Created 1 message(s)","messages":[{"to":"0031612345678","status":"Accepted","reference":null,"parts":2,"messageDetails":null}]}'),
    expected: { kind: 'accepted', providerMessageId: REFERENCE, parts: 2 },
  },
  { name: '400 errorCode as a string is not CM\'s body', handler: answer(400, '{"errorCode":"303"}'), expected: { kind: 'refused', statusCode: 400, error: 'bad_request', comment: '{"errorCode":"303"}' } },
];

for (const c of responseCases) {
  test(`send: maps ${c.name}`, async () => {
    server.handler = c.handler;
    assert.deepEqual(await cmAdapter.send(ctx(), message()), c.expected);
  });
}

testTransportFailures({
  answerWith: (handler) => (server.handler = handler),
  closeAllConnections: () => server.closeAllConnections(),
  send: ({ baseUrl, signal, timeoutMs }) =>
    createCmAdapter().send({ ...ctx(baseUrl ? { base_url: baseUrl } : {}), signal, ...(timeoutMs ? { timeoutMs } : {}) }, message()),
  secrets: [TOKEN],
});
