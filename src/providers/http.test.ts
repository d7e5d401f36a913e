import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from 'undici';
import {
  describeStatus,
  isRetryableStatus,
  isSuccessStatus,
  MAX_BODY_BYTES,
  networkErrorCode,
  networkFailure,
  parseRetryAfter,
  postCapped,
  retryAfterAnswer,
  withSignal,
} from './http.js';
import { answer, cannedServerForFile } from './test-support/http-server.js';

const { server, agent } = cannedServerForFile();

test('parseRetryAfter: seconds, HTTP dates, and nothing else', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter(['3', '9'], now), 3000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 12:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 11:59:00 GMT', now), 0, 'a past date means now');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter('', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('status classes', () => {
  assert.deepEqual([199, 200, 204, 299, 300].map(isSuccessStatus), [false, true, true, true, false]);
  assert.deepEqual([400, 428, 429, 499, 500, 503].map(isRetryableStatus), [false, false, true, false, true, true]);
});

test('retryAfterAnswer: a retry, with the wait only when Retry-After is readable', () => {
  assert.deepEqual(retryAfterAnswer(429, { 'retry-after': '2' }, 'e', 'c'), { kind: 'retry', statusCode: 429, error: 'e', comment: 'c', retryAfterMs: 2000 });
  assert.deepEqual(retryAfterAnswer(503, { 'retry-after': 'later' }, 'e', 'c'), { kind: 'retry', statusCode: 503, error: 'e', comment: 'c' });
  assert.deepEqual(retryAfterAnswer(500, {}, 'e', 'c'), { kind: 'retry', statusCode: 500, error: 'e', comment: 'c' });
});

test('describeStatus: the table, else http_NNN / HTTP NNN; a given comment wins', () => {
  const table = { 404: { error: 'not_found', comment: 'Unknown' } };
  assert.deepEqual(describeStatus(404, table), { error: 'not_found', comment: 'Unknown' });
  assert.deepEqual(describeStatus(404, table, 'No such batch'), { error: 'not_found', comment: 'No such batch' });
  assert.deepEqual(describeStatus(418, table), { error: 'http_418', comment: 'HTTP 418' });
  assert.deepEqual(describeStatus(418, table, 'teapot'), { error: 'http_418', comment: 'teapot' });
});

test('networkFailure: the error code, or aborted / network_error; a clean, prefixed comment', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 with s3cret'), { code: 'ECONNREFUSED' });
  assert.deepEqual(networkFailure(refused, ['s3cret']), {
    kind: 'retry',
    statusCode: null,
    error: 'ECONNREFUSED',
    comment: 'connect ECONNREFUSED 127.0.0.1:1 with [redacted]',
  });
  const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
  assert.equal(networkErrorCode(aborted), 'aborted');
  assert.equal(networkErrorCode('boom'), 'network_error');
  assert.equal(networkErrorCode(null), 'network_error');
  assert.deepEqual(networkFailure('boom', [], 'token endpoint: '), { kind: 'retry', statusCode: null, error: 'network_error', comment: 'token endpoint: boom' });
  assert.equal(networkFailure(new Error(''), []).comment, 'Error');
});

test('postCapped: POSTs with the given auth and content type, reads the answer', async () => {
  server.requests.length = 0;
  server.handler = answer(201, '{"id":"b1"}', { 'retry-after': '1' });
  const got = await postCapped(`${server.baseUrl}/x`, { pool: agent, authorization: 'Bearer t', contentType: 'application/json', body: '{}', timeoutMs: 1000 });
  assert.equal(got.statusCode, 201);
  assert.equal(got.text, '{"id":"b1"}');
  assert.equal(got.headers['retry-after'], '1');
  const req = server.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['authorization'], 'Bearer t');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['accept'], 'application/json');
  assert.equal(req.body, '{}');
});

test('postCapped: a long answer is cut at MAX_BODY_BYTES', async () => {
  server.handler = answer(502, 'x'.repeat(MAX_BODY_BYTES * 3));
  const got = await postCapped(server.baseUrl, { pool: agent, authorization: '', contentType: 'text/plain', body: '', timeoutMs: 1000 });
  assert.equal(got.statusCode, 502);
  assert.equal(got.text.length, MAX_BODY_BYTES);
});

test('postCapped: a body that breaks off reads as empty, the status still counts', async () => {
  server.handler = (_req, res) => {
    res.writeHead(201, { 'content-length': '100' });
    res.write('{"id":');
    setTimeout(() => res.destroy(), 20);
  };
  const got = await postCapped(server.baseUrl, { pool: agent, authorization: '', contentType: 'text/plain', body: '', timeoutMs: 1000 });
  assert.equal(got.statusCode, 201);
  assert.equal(got.text, '');
});

test('postCapped: no answer in time throws a headers timeout', async () => {
  server.handler = () => {};
  const fresh = new Agent();
  await assert.rejects(
    postCapped(server.baseUrl, { pool: fresh, authorization: '', contentType: 'text/plain', body: '', timeoutMs: 100 }),
    (err: unknown) => networkErrorCode(err) === 'UND_ERR_HEADERS_TIMEOUT',
  );
  server.closeAllConnections();
  await fresh.close();
});

test('withSignal: settles with the work, or rejects as soon as the signal aborts', async () => {
  assert.equal(await withSignal(Promise.resolve(1), undefined), 1);
  assert.equal(await withSignal(Promise.resolve(2), new AbortController().signal), 2);
  await assert.rejects(withSignal(Promise.reject(new Error('no')), new AbortController().signal), /no/);

  const before = new AbortController();
  before.abort();
  await assert.rejects(withSignal(Promise.resolve(3), before.signal), { name: 'AbortError' });

  const during = new AbortController();
  const pending = withSignal(new Promise(() => {}), during.signal);
  during.abort();
  await assert.rejects(pending, (err: unknown) => networkErrorCode(err) === 'aborted');
});
