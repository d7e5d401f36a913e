import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanupsAfterAll, startCallbackReceiver } from '../../providers/test-support/http-server.js';
import { RetryingCallbackSender, type CallbackAttemptBase, type SenderPolicy } from './callback-sender.js';
import { Scheduler } from './scheduler.js';

interface Attempt extends CallbackAttemptBase {
  topic: string;
}

const cleanups = cleanupsAfterAll();

function sender(policy: Partial<SenderPolicy> = {}): { scheduler: Scheduler; sender: RetryingCallbackSender<Attempt> } {
  const scheduler = new Scheduler();
  const s = new RetryingCallbackSender<Attempt>(scheduler, {
    retryBaseMs: 10,
    timeoutMs: 1000,
    logLimit: 100,
    isRetryable: (status) => status === null || status >= 500,
    ...policy,
  });
  cleanups.push(async () => {
    scheduler.close();
    await s.close();
  });
  return { scheduler, sender: s };
}

test('RetryingCallbackSender: retries with doubling delays up to maxAttempts, logging each attempt', async () => {
  const receiver = await startCallbackReceiver((call) => call, { path: '/hook', respond: (n) => (n < 2 ? 503 : 200) });
  cleanups.push(() => receiver.close());
  const { scheduler, sender: s } = sender();
  let headerCalls = 0;
  const first = await s.deliver({
    url: receiver.url,
    body: 'payload',
    maxAttempts: 5,
    headers: () => ({ 'x-try': String(++headerCalls) }),
    describe: () => ({ topic: 'orders' }),
  });
  assert.deepEqual(Object.keys(first), ['topic', 'body', 'headers', 'attempt', 'status', 'at']);
  assert.equal(first.status, 503);
  await scheduler.idle();
  assert.deepEqual(s.log.map((a) => [a.attempt, a.status, a.headers['x-try']]), [[1, 503, '1'], [2, 503, '2'], [3, 200, '3']]);
  assert.deepEqual(receiver.received.map((r) => [r.path, r.raw.toString()]), Array(3).fill(['/hook', 'payload']));
  const [a, b, c] = receiver.received.map((r) => r.at);
  assert.ok(b! - a! >= 9 && c! - b! >= 19, 'waits retryBaseMs, then twice that');
});

test('RetryingCallbackSender: stops at maxAttempts and on answers that are not retryable', async () => {
  const receiver = await startCallbackReceiver((call) => call, { respond: () => 500 });
  cleanups.push(() => receiver.close());
  const { scheduler, sender: s } = sender();
  await s.deliver({ url: receiver.url, body: '', maxAttempts: 2, headers: () => ({}), describe: () => ({ topic: 'a' }) });
  await scheduler.idle();
  assert.equal(s.log.length, 2);

  const gone = await startCallbackReceiver((call) => call, { respond: () => 410 });
  cleanups.push(() => gone.close());
  await s.deliver({ url: gone.url, body: '', maxAttempts: 5, headers: () => ({}), describe: () => ({ topic: 'b' }) });
  await scheduler.idle();
  assert.deepEqual(s.log.map((a) => [a.topic, a.status]), [['a', 500], ['a', 500], ['b', 410]]);
});

test('RetryingCallbackSender: keeps the answer when asked, records errors, bounds the log', async () => {
  const receiver = await startCallbackReceiver((call) => call, { contentType: 'text/xml', body: '<Response/>' });
  cleanups.push(() => receiver.close());
  const { scheduler, sender: s } = sender({ keepResponseChars: 5, logLimit: 2 });
  const kept = await s.deliver({ url: receiver.url, body: '', maxAttempts: 1, headers: () => ({}), describe: () => ({ topic: 'a' }) });
  assert.equal(kept.responseBody, '<Resp');

  const refused = await s.deliver({ url: 'http://127.0.0.1:1/', body: '', maxAttempts: 1, headers: () => ({}), describe: () => ({ topic: 'b' }) });
  assert.equal(refused.status, null);
  assert.match(refused.error ?? '', /ECONNREFUSED|connect/);
  await s.deliver({ url: receiver.url, body: '', maxAttempts: 1, headers: () => ({}), describe: () => ({ topic: 'c' }) });
  await scheduler.idle();
  assert.deepEqual(s.log.map((a) => a.topic), ['b', 'c']);
});
