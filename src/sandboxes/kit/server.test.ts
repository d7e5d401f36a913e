import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from './scheduler.js';
import { basicCredentials, bearerToken, createSandboxApp, hasMediaType, pathOf, sameSecret, sandboxBase } from './server.js';

test('credentials from Authorization headers', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.deepEqual(basicCredentials(basic('AC1:tok:en')), { user: 'AC1', password: 'tok:en' });
  assert.deepEqual(basicCredentials(`${basic('k:')}  `), { user: 'k', password: '' });
  assert.equal(basicCredentials(basic('no-colon')), undefined);
  assert.equal(basicCredentials('Bearer abc'), undefined);
  assert.equal(basicCredentials(''), undefined);
  assert.equal(bearerToken('Bearer abc'), 'abc');
  assert.equal(bearerToken('bearer  abc '), 'abc');
  assert.equal(bearerToken('Bearer a b'), undefined);
  assert.equal(bearerToken('Basic abc'), undefined);
  assert.equal(sameSecret('s3cret', 's3cret'), true);
  assert.equal(sameSecret('s3cret', 's3cres'), false);
  assert.equal(sameSecret('s3cret', 's3cret2'), false);
});

test('hasMediaType and pathOf', () => {
  assert.equal(hasMediaType('application/json', 'application/json'), true);
  assert.equal(hasMediaType('Application/JSON; charset=utf-8', 'application/json'), true);
  assert.equal(hasMediaType('application/json-patch', 'application/json'), false);
  assert.equal(hasMediaType('application/x-www-form-urlencoded ;charset=utf-8', 'application/x-www-form-urlencoded'), true);
  assert.equal(hasMediaType('text/plain', 'application/x-www-form-urlencoded'), false);
  assert.equal(hasMediaType(undefined, 'application/json'), false);
  assert.equal(pathOf('/a/b?x=1?y'), '/a/b');
  assert.equal(pathOf('/a'), '/a');
});

test('createSandboxApp: raw bodies, every request recorded with the status answered, bounded', async () => {
  const { app, requests, received } = createSandboxApp(false, 2);
  let seen: unknown;
  app.post('/echo', async (req, reply) => {
    seen = req.body;
    assert.equal(received(req)?.path, '/echo');
    return reply.code(202).send('ok');
  });
  await app.inject({ method: 'POST', url: '/echo?q=1', payload: '{"a":1}', headers: { 'content-type': 'application/json' } });
  assert.ok(Buffer.isBuffer(seen));
  assert.equal(requests.length, 1);
  assert.deepEqual({ ...requests[0], headers: undefined, at: undefined }, { method: 'POST', url: '/echo?q=1', path: '/echo', body: '{"a":1}', status: 202, headers: undefined, at: undefined });
  await app.inject({ method: 'GET', url: '/missing' });
  await app.inject({ method: 'POST', url: '/echo', payload: 'x', headers: { 'content-type': 'text/plain' } });
  assert.deepEqual(requests.map((r) => [r.url, r.status]), [['/missing', 404], ['/echo', 202]]);
  await app.close();
});

test('sandboxBase: url once listening, close stops the scheduler, the server and the sender in turn', async () => {
  const { app, requests } = createSandboxApp(false, 10);
  const scheduler = new Scheduler();
  const order: string[] = [];
  const sandbox = sandboxBase('Test', { app, requests, scheduler, sender: { close: async () => void order.push('sender') } });
  app.addHook('onClose', async () => void order.push('server'));
  assert.throws(() => sandbox.url, /The Test sandbox is not listening yet/);
  const url = await sandbox.listen();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(sandbox.url, url);
  assert.equal(sandbox.requests, requests);
  assert.equal(sandbox.app, app);
  scheduler.after(60_000, () => order.push('never'));
  await sandbox.close();
  await sandbox.idle();
  assert.deepEqual(order, ['server', 'sender']);
});
