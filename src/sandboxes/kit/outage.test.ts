import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { test } from 'node:test';
import { Outage } from './outage.js';

test('http_503 blocks API paths but not the sandbox control routes; off and refuse block none', () => {
  const server = createServer();
  const outage = new Outage(() => server);
  const cases: [Parameters<Outage['set']>[0], string, boolean][] = [
    ['off', '/v1.0/message', false],
    ['http_503', '/v1.0/message', true],
    ['http_503', '/anything', true],
    ['http_503', '/sandbox/outage', false],
    ['refuse', '/v1.0/message', false], // refused before any request is read
  ];
  for (const [mode, path, blocked] of cases) {
    outage.set(mode);
    assert.equal(outage.blocks(path), blocked, `${mode} ${path}`);
  }
});

test('refuse drops new connections until turned off', async () => {
  const server: Server = createServer((socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const read = () =>
    new Promise<string>((resolve) => {
      let data = '';
      const socket = connect(port, '127.0.0.1');
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => {});
    });
  const outage = new Outage(() => server);
  assert.equal(await read(), 'hello');
  outage.set('refuse');
  assert.equal(await read(), '');
  outage.set('refuse'); // twice: still one listener
  assert.equal(server.listenerCount('connection'), 2);
  outage.set('off');
  assert.equal(await read(), 'hello');
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
