// Failed sign-ins are limited per client address: the 11th failure within 5 minutes is a 429 with
// Retry-After, whatever key comes with it; successes do not count; another address is unaffected;
// the addresses a client claims in X-Forwarded-For do not let it start afresh.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startHub, type TestHub } from './helpers.js';

let t: TestHub;
before(async () => {
  t = await startHub();
});
after(() => t.close());

/** Signs in from behind the hub's (loopback) proxy, which appends the client's address. */
async function signIn(apiKey: string, forwardedFor: string) {
  const res = await request(`${t.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ api_key: apiKey }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as any, retryAfter: res.headers['retry-after'], cookie: res.headers['set-cookie'] };
}

test('ten failures, then 429 with Retry-After even for the right key; other addresses go on', async () => {
  for (let i = 0; i < 10; i++) assert.equal((await signIn('wrong-key', '203.0.113.1')).status, 401);
  const refused = await signIn(t.adminToken, '203.0.113.1');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'too_many_sign_ins');
  assert.match(refused.body.error.message, /Too many failed sign-ins from this address: try again in 5 minutes/);
  const wait = Number(refused.retryAfter);
  assert.ok(wait > 290 && wait <= 300, `Retry-After ${String(refused.retryAfter)}`);
  assert.equal(refused.cookie, undefined, 'no session');
  assert.equal((await signIn(t.adminToken, '203.0.113.2')).status, 201);
});

test('successful sign-ins do not count, nor clear the failures', async () => {
  for (let i = 0; i < 15; i++) assert.equal((await signIn(t.adminToken, '203.0.113.3')).status, 201);
  for (let i = 0; i < 9; i++) assert.equal((await signIn('wrong-key', '203.0.113.3')).status, 401);
  assert.equal((await signIn(t.adminToken, '203.0.113.3')).status, 201);
  assert.equal((await signIn('wrong-key', '203.0.113.3')).status, 401, 'the tenth failure');
  assert.equal((await signIn(t.adminToken, '203.0.113.3')).status, 429);
});

test('what a client claims in X-Forwarded-For does not give it a fresh count', async () => {
  for (let i = 0; i < 10; i++) assert.equal((await signIn('wrong-key', `198.51.100.${i}, 203.0.113.4`)).status, 401);
  assert.equal((await signIn('wrong-key', '198.51.100.99, 203.0.113.4')).status, 429);
});
