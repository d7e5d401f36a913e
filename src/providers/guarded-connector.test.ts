import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { ADDRESS_REFUSED, guardedConnector, guardedLookup } from './guarded-connector.js';
import { sendFailure } from './http.js';

// A real server on loopback: with loopback refused, no connection may reach it at all.
let server: Server;
let port = 0;
let connections = 0;
before(async () => {
  server = createServer((_req, res) => res.end('ok'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function attempt(url: string, allowLoopback: boolean): Promise<{ status: number } | { error: unknown }> {
  const agent = new Agent({ connect: guardedConnector({ allowLoopback }) });
  try {
    const res = await request(url, { dispatcher: agent });
    await res.body.text();
    return { status: res.statusCode };
  } catch (error) {
    return { error };
  } finally {
    await agent.close();
  }
}

test('with loopback refused, a name resolving to loopback is refused before connecting', async () => {
  const before = connections;
  for (const host of ['localhost', '127.0.0.1', '[::ffff:127.0.0.1]']) {
    const got = await attempt(`http://${host}:${port}/x`, false);
    assert.ok('error' in got, `${host} was let through`);
    const err = got.error as { code?: string; message?: string };
    assert.equal(err.code, ADDRESS_REFUSED, `${host}: ${String(err.message)}`);
    assert.match(err.message ?? '', /loopback/);
    assert.match(err.message ?? '', /ALLOW_LOOPBACK_PROVIDER_URLS/);
  }
  assert.equal(connections, before, 'the server saw a connection');
});

test('with loopback allowed, the same names connect', async () => {
  for (const host of ['localhost', '127.0.0.1']) assert.deepEqual(await attempt(`http://${host}:${port}/x`, true), { status: 200 });
});

test('link-local literals are refused whatever the setting, without the loopback hint', async () => {
  for (const allowLoopback of [false, true]) {
    const got = await attempt('http://169.254.169.254/latest/meta-data/', allowLoopback);
    assert.ok('error' in got);
    const err = got.error as { code?: string; message?: string };
    assert.equal(err.code, ADDRESS_REFUSED);
    assert.match(err.message ?? '', /link-local/);
    assert.doesNotMatch(err.message ?? '', /ALLOW_LOOPBACK_PROVIDER_URLS/);
  }
});

test('the lookup keeps allowed addresses and answers in the shape asked for', async () => {
  const lookup = guardedLookup({ allowLoopback: true });
  const one = await new Promise<[unknown, unknown, unknown]>((resolve) => lookup('localhost', { family: 4 }, (err, address, family) => resolve([err, address, family])));
  assert.deepEqual(one, [null, '127.0.0.1', 4]);
  const all = await new Promise<[unknown, unknown]>((resolve) => lookup('localhost', { family: 4, all: true }, (err, addresses) => resolve([err, addresses])));
  assert.deepEqual(all, [null, [{ address: '127.0.0.1', family: 4 }]]);
  const refused = await new Promise<unknown>((resolve) => guardedLookup({ allowLoopback: false })('localhost', { all: true }, (err) => resolve(err)));
  assert.equal((refused as { code?: string }).code, ADDRESS_REFUSED);
});

test('a send refused at connect time is a refusal with an error an operator can act on, not an unknown outcome', async () => {
  const got = await attempt(`http://localhost:${port}/x`, false);
  assert.ok('error' in got);
  const result = sendFailure(got.error, []);
  assert.equal(result.kind, 'refused');
  assert.equal(result.statusCode, null);
  assert.equal(result.error, ADDRESS_REFUSED);
  assert.match(result.comment, /^refused to connect to localhost \(127\.0\.0\.1\): it is a loopback address/);
});
