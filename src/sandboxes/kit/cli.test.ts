import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commaList, listenAddress, nonNegativeNumber, parseSandboxFlags } from './cli.js';

test('nonNegativeNumber', () => {
  assert.equal(nonNegativeNumber('rate', undefined), undefined);
  assert.equal(nonNegativeNumber('rate', ''), undefined);
  assert.equal(nonNegativeNumber('rate', '0'), 0);
  assert.equal(nonNegativeNumber('rate', '2.5'), 2.5);
  assert.throws(() => nonNegativeNumber('rate', '-1'), /^Error: --rate expects a non-negative number, got '-1'$/);
  assert.throws(() => nonNegativeNumber('port', 'abc'), /--port expects/);
});

test('commaList', () => {
  assert.equal(commaList(undefined), undefined);
  assert.deepEqual(commaList(''), []);
  assert.deepEqual(commaList('a,,b,'), ['a', 'b']);
});

test('listenAddress: flags, then <PREFIX>_PORT / _HOST, then the defaults', () => {
  const saved = { ...process.env };
  try {
    delete process.env['KIT_TEST_PORT'];
    delete process.env['KIT_TEST_HOST'];
    assert.deepEqual(listenAddress({}, 'KIT_TEST', 8089), { port: 8089, host: '127.0.0.1' });
    process.env['KIT_TEST_PORT'] = '9000';
    process.env['KIT_TEST_HOST'] = '0.0.0.0';
    assert.deepEqual(listenAddress({}, 'KIT_TEST', 8089), { port: 9000, host: '0.0.0.0' });
    assert.deepEqual(listenAddress({ port: '0', host: '::1' }, 'KIT_TEST', 8089), { port: 0, host: '::1' });
    process.env['KIT_TEST_PORT'] = 'x';
    assert.throws(() => listenAddress({}, 'KIT_TEST', 8089), /--port expects/);
  } finally {
    process.env = saved;
  }
});

test('parseSandboxFlags: the common flags and the command\'s own, strictly', () => {
  const values = parseSandboxFlags(['--port', '1', '--verbose', '--plan', 'a:b', '--plan', 'c:d', '--retry-base-ms', '5'], { plan: { type: 'string', multiple: true } });
  assert.deepEqual({ ...values }, { port: '1', verbose: true, plan: ['a:b', 'c:d'], 'retry-base-ms': '5' });
  assert.throws(() => parseSandboxFlags(['--nope'], {}), /Unknown option '--nope'/);
});
