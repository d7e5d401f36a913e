import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clean } from './redact.js';

test('clean: one line, secrets redacted, at most 300 characters', () => {
  assert.equal(clean('  Bad\n token   abc \t', ['abc']), 'Bad token [redacted]');
  assert.equal(clean('abc and def', ['abc', '', 'def']), '[redacted] and [redacted]');
  const long = clean('x'.repeat(1000), []);
  assert.equal(long.length, 300);
  assert.ok(long.endsWith('…'));
  assert.equal(clean('y'.repeat(300), []), 'y'.repeat(300));
});

const redactions: [string, string, string[], string][] = [
  ['a short secret inside a word stays', 'Timeout', ['t'], 'Timeout'],
  ['a short secret on its own goes', 'code t here', ['t'], 'code [redacted] here'],
  ['a bearer token', 'Authorization: Bearer s3cr.et-1', ['s3cr.et-1'], 'Authorization: Bearer [redacted]'],
  ['a token in JSON', '{"token":"abc/def=="}', ['abc/def=='], '{"token":"[redacted]"}'],
  ['a token as a prefix of a longer one stays', 'abc123', ['abc'], 'abc123'],
  ['regex characters in a secret', 'key a+b(c) end', ['a+b(c)'], 'key [redacted] end'],
  ['every occurrence', 'k1 and k1', ['k1'], '[redacted] and [redacted]'],
  ['at the end of a sentence, in a path, after =', 'bad k1. /x/k1/y token=k1', ['k1'], 'bad [redacted]. /x/[redacted]/y token=[redacted]'],
];
for (const [name, text, secrets, expected] of redactions) {
  test(`clean: ${name}`, () => assert.equal(clean(text, secrets), expected));
}
