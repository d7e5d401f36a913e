import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { ADDRESS_REFUSED, guardedConnector } from '../guarded-connector.js';
import { cannedServerForFile, refusingUrl, type Handler } from '../test-support/http-server.js';
import { reuseSeconds, SinchConversationTokenCache, type TokenCredentials, type TokenOutcome } from './token.js';

const { server, agent } = cannedServerForFile();
const requests = server.requests;

const SECRET = 's3cr3t-Value+/=';
const creds = (c: Partial<TokenCredentials> = {}): TokenCredentials => ({
  authUrl: `${server.baseUrl}/oauth2/token`,
  accessKey: 'key-1',
  accessSecret: SECRET,
  ...c,
});

function json(status: number, body: unknown, headers: Record<string, string> = {}, delayMs = 0): Handler {
  return (_req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    }, delayMs);
  };
}

const tokenAnswer = (n: number, expiresIn = 3600): unknown => ({ access_token: `tok-${n}`, expires_in: expiresIn, scope: '', token_type: 'bearer' });
const issuing = (expiresIn = 3600, delayMs = 0): Handler => (req, res, n) => json(200, tokenAnswer(n, expiresIn), {}, delayMs)(req, res, n);

test('token request: POST, Basic key:secret, form grant_type=client_credentials', async () => {
  requests.length = 0;
  server.handler = issuing();
  const cache = new SinchConversationTokenCache();
  const got = await cache.get(creds(), { pool: agent });
  assert.deepEqual(got, { ok: true, token: 'tok-1' });
  assert.equal(requests.length, 1);
  const r = requests[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.url, '/oauth2/token');
  assert.equal(r.headers['authorization'], `Basic ${Buffer.from(`key-1:${SECRET}`).toString('base64')}`);
  assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(r.body, 'grant_type=client_credentials');
  assert.equal(cache.requests, 1);
});

test('token cache: reuse, single-flight, per credentials', async () => {
  requests.length = 0;
  server.handler = issuing(3600, 50);
  const cache = new SinchConversationTokenCache();
  const many = await Promise.all(Array.from({ length: 25 }, () => cache.get(creds(), { pool: agent })));
  assert.equal(requests.length, 1, 'concurrent callers share one token request');
  for (const got of many) assert.deepEqual(got, { ok: true, token: 'tok-1' });
  assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-1' });
  assert.equal(requests.length, 1, 'a cached token is reused');

  // Another secret, key or endpoint is another token.
  const other = await Promise.all([
    cache.get(creds({ accessSecret: 'rotated' }), { pool: agent }),
    cache.get(creds({ accessKey: 'key-2' }), { pool: agent }),
    cache.get(creds({ authUrl: `${server.baseUrl}/other/oauth2/token` }), { pool: agent }),
  ]);
  assert.equal(requests.length, 4);
  assert.equal(new Set(other.map((o) => (o.ok ? o.token : ''))).size, 3);
  assert.equal(cache.size, 4);
});

test('token cache: refresh shortly before expiry, keeping short tokens for half their life', async () => {
  assert.equal(reuseSeconds(3600), 3540);
  assert.equal(reuseSeconds(100), 50);
  assert.equal(reuseSeconds(2), 1);
  const cases: { expiresIn: number; reuseMs: number }[] = [
    { expiresIn: 3600, reuseMs: 3_540_000 },
    { expiresIn: 90, reuseMs: 45_000 },
    { expiresIn: 121, reuseMs: 61_000 },
  ];
  for (const c of cases) {
    requests.length = 0;
    server.handler = issuing(c.expiresIn);
    let now = 1_000_000;
    const cache = new SinchConversationTokenCache({ now: () => now });
    assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-1' });
    now += c.reuseMs - 1;
    assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-1' }, `${c.expiresIn}: still fresh`);
    now += 1;
    assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-2' }, `${c.expiresIn}: refreshed`);
    assert.equal(requests.length, 2);
  }
});

test('token cache: expires_in missing or junk falls back to 3600 s', async () => {
  requests.length = 0;
  server.handler = json(200, { access_token: 'tok-x', expires_in: 'soon' });
  let now = 0;
  const cache = new SinchConversationTokenCache({ now: () => now });
  await cache.get(creds(), { pool: agent });
  now = 3_539_000;
  assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-x' });
  assert.equal(requests.length, 1);
});

test('token cache: invalidate drops only the token that failed', async () => {
  requests.length = 0;
  server.handler = issuing();
  const cache = new SinchConversationTokenCache();
  await cache.get(creds(), { pool: agent }); // tok-1
  cache.invalidate(creds(), 'tok-1');
  assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-2' });
  cache.invalidate(creds(), 'tok-1'); // a late 401 for the old token
  assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-2' });
  cache.invalidate(creds());
  assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-3' });
  assert.equal(requests.length, 3);
});

const basicValue = (): string => Buffer.from(`key-1:${SECRET}`).toString('base64');

const errorCases: { name: string; handler: Handler; expected: TokenOutcome }[] = [
  {
    name: '401 invalid_client (RFC 6749 body)',
    handler: json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }),
    expected: { ok: false, result: { kind: 'refused', statusCode: 401, error: 'invalid_client', comment: 'token endpoint: Client authentication failed', fault: 'provider' } },
  },
  {
    name: '401 empty body',
    handler: json(401, ''),
    expected: { ok: false, result: { kind: 'refused', statusCode: 401, error: 'unauthorized', comment: 'token endpoint: HTTP 401', fault: 'provider' } },
  },
  {
    name: '400 unsupported_grant_type',
    handler: json(400, { error: 'unsupported_grant_type' }),
    expected: { ok: false, result: { kind: 'refused', statusCode: 400, error: 'unsupported_grant_type', comment: 'token endpoint: unsupported_grant_type', fault: 'provider' } },
  },
  {
    name: '403 Google-style body',
    handler: json(403, { error: { code: 403, message: 'Key disabled', status: 'PERMISSION_DENIED' } }),
    expected: { ok: false, result: { kind: 'refused', statusCode: 403, error: 'PERMISSION_DENIED', comment: 'token endpoint: Key disabled', fault: 'provider' } },
  },
  {
    name: '404 (a wrong auth_url)',
    handler: json(404, '<h1>Not Found</h1>'),
    expected: { ok: false, result: { kind: 'refused', statusCode: 404, error: 'not_found', comment: 'token endpoint: <h1>Not Found</h1>', fault: 'provider' } },
  },
  {
    name: '429 with Retry-After',
    handler: json(429, '', { 'retry-after': '3' }),
    expected: { ok: false, result: { kind: 'retry', statusCode: 429, error: 'too_many_requests', comment: 'token endpoint: HTTP 429', retryAfterMs: 3000 } },
  },
  {
    name: '503',
    handler: json(503, { error: 'temporarily_unavailable', error_description: 'Try again' }),
    expected: { ok: false, result: { kind: 'retry', statusCode: 503, error: 'temporarily_unavailable', comment: 'token endpoint: Try again' } },
  },
  {
    name: '200 without access_token',
    handler: json(200, { token_type: 'bearer' }),
    expected: { ok: false, result: { kind: 'retry', statusCode: 200, error: 'invalid_token_response', comment: 'token endpoint: the answer has no access_token' } },
  },
  {
    name: '401 echoing the credentials',
    handler: (req, res) => json(401, `bad ${req.headers['authorization']} for ${SECRET}`)(req, res, 0),
    expected: { ok: false, result: { kind: 'refused', statusCode: 401, error: 'unauthorized', comment: 'token endpoint: bad Basic [redacted] for [redacted]', fault: 'provider' } },
  },
];

for (const c of errorCases) {
  test(`token endpoint: ${c.name}`, async () => {
    requests.length = 0;
    server.handler = c.handler;
    const cache = new SinchConversationTokenCache();
    assert.deepEqual(await cache.get(creds(), { pool: agent }), c.expected);
    // Failures are not cached: the next send asks again.
    server.handler = issuing();
    assert.deepEqual(await cache.get(creds(), { pool: agent }), { ok: true, token: 'tok-2' });
    assert.ok(!JSON.stringify(c.expected).includes(basicValue()));
  });
}

test('token endpoint: connection refused is a retry without secrets', async () => {
  const cache = new SinchConversationTokenCache();
  const got = await cache.get(creds({ authUrl: `${await refusingUrl()}/oauth2/token` }), { pool: agent });
  assert.equal(got.ok, false);
  assert.ok(!got.ok && got.result.kind === 'retry');
  assert.equal(got.result.statusCode, null);
  assert.equal(got.result.error, 'ECONNREFUSED');
  assert.match(got.result.comment, /^token endpoint: /);
});

test('token endpoint: one caller aborting does not fail the others', async () => {
  requests.length = 0;
  server.handler = issuing(3600, 150);
  const cache = new SinchConversationTokenCache();
  const controller = new AbortController();
  const aborted = cache.get(creds(), { pool: agent, signal: controller.signal });
  const patient = cache.get(creds(), { pool: agent });
  setTimeout(() => controller.abort(), 20);
  const a = await aborted;
  assert.ok(!a.ok && a.result.kind === 'retry' && a.result.error === 'aborted');
  assert.deepEqual(await patient, { ok: true, token: 'tok-1' });
  assert.equal(requests.length, 1);
});

test('token endpoint: a server that never answers times out as a retry', async () => {
  server.handler = () => {};
  const cache = new SinchConversationTokenCache({ timeoutMs: 150 });
  const got = await cache.get(creds(), { pool: agent });
  assert.ok(!got.ok && got.result.kind === 'retry' && got.result.error === 'UND_ERR_HEADERS_TIMEOUT');
  server.closeAllConnections();
});

test('a token endpoint at an address the hub refuses is a refusal, not a retry', async () => {
  requests.length = 0;
  server.handler = issuing();
  const guarded = new Agent({ connect: guardedConnector({ allowLoopback: false }) });
  try {
    const cache = new SinchConversationTokenCache();
    const got = await cache.get(creds({ authUrl: `http://localhost:${new URL(server.baseUrl).port}/oauth2/token` }), { pool: guarded });
    assert.equal(got.ok, false);
    if (got.ok) return;
    assert.equal(got.result.kind, 'refused');
    assert.equal(got.result.error, ADDRESS_REFUSED);
    assert.match(got.result.comment, /^token endpoint: refused to connect to localhost/);
    assert.equal(requests.length, 0, 'nothing reached the server');
  } finally {
    await guarded.close();
  }
});
