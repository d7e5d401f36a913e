import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SendResult } from '../providers/types.js';
import { MAX_ERROR_CHARS, sanitizeSendResult, secretValues } from './sanitize.js';

const secrets = secretValues({ api_token: 'tok-123', region: 'us', nested: { x: 'y' }, empty: '' }, 'hook-token');

test('secretValues: every non-empty string secret, and the extras', () => {
  assert.deepEqual(secretValues({ a: 's1', b: 2, c: '', d: null }, 'w'), ['s1', 'w']);
});

const cases: [string, SendResult, SendResult][] = [
  [
    'a provider error code echoing the Authorization value',
    { kind: 'refused', statusCode: 401, error: 'Bearer tok-123', comment: 'bad token tok-123' },
    { kind: 'refused', statusCode: 401, error: 'Bearer [redacted]', comment: 'bad token [redacted]' },
  ],
  [
    'the webhook token in a retry comment',
    { kind: 'retry', statusCode: 503, error: 'unavailable', comment: 'callback https://h/webhooks/i/hook-token/delivery failed', retryAfterMs: 5 },
    { kind: 'retry', statusCode: 503, error: 'unavailable', comment: 'callback https://h/webhooks/i/[redacted]/delivery failed', retryAfterMs: 5 },
  ],
  [
    'a multi-line error on one line',
    { kind: 'refused', statusCode: 400, error: 'syntax\n error', comment: '' },
    { kind: 'refused', statusCode: 400, error: 'syntax error', comment: '' },
  ],
  [
    'an accepted answer is kept',
    { kind: 'accepted', providerMessageId: '01ABC', parts: 2 },
    { kind: 'accepted', providerMessageId: '01ABC', parts: 2 },
  ],
];
for (const [name, given, expected] of cases) {
  test(`sanitizeSendResult: ${name}`, () => assert.deepEqual(sanitizeSendResult(given, secrets), expected));
}

test('sanitizeSendResult: a long error is capped', () => {
  const r = sanitizeSendResult({ kind: 'refused', statusCode: 400, error: 'e'.repeat(5000), comment: 'c'.repeat(5000) }, secrets);
  assert.ok(r.kind === 'refused' && r.error.length === MAX_ERROR_CHARS && r.comment.length === 300);
});
