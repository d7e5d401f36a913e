import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '../logger.js';
import { lazyChildLogger } from './request-logger.js';

test('the per-request child logger is made on first use, with its bindings and the redaction', () => {
  const lines: string[] = [];
  const root = createLogger('info', { write: (line: string) => void lines.push(line) }) as unknown as FastifyBaseLogger;
  let children = 0;
  const counting = new Proxy(root, {
    get: (target, key) => (key === 'child' ? (...args: Parameters<FastifyBaseLogger['child']>) => (children++, target.child(...args)) : Reflect.get(target, key)),
  });
  const log = lazyChildLogger(counting, { reqId: 'req-1' }, {});
  assert.equal(log.level, 'info');
  log.debug('below the level');
  assert.equal(children, 1, 'made when first asked to log');
  log.warn({ secrets: { api_token: 'hunter2' } }, 'something odd');
  log.info('again');
  assert.equal(children, 1, 'made once');
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(first.reqId, 'req-1');
  assert.equal(first.msg, 'something odd');
  assert.ok(!lines[0]!.includes('hunter2'));
  const unused = lazyChildLogger(counting, { reqId: 'req-2' }, {});
  assert.equal(typeof unused.error, 'function');
  assert.equal(children, 1, 'a request that never logs never makes one');
});
