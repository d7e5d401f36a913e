import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../core/errors.js';
import { assertJsonDepth, assertStorableStrings } from './json-guard.js';

const code = (fn: () => void) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof DomainError);
    return { code: err.code, field: err.field };
  }
};

test('depth: counts objects and arrays, allows exactly the limit', () => {
  assert.equal(code(() => assertJsonDepth('[[[]]]', 3)), undefined);
  assert.deepEqual(code(() => assertJsonDepth('[[[[]]]]', 3)), { code: 'too_deep', field: undefined });
  assert.equal(code(() => assertJsonDepth('{"a":{"b":[1]}}', 3)), undefined);
  assert.equal(code(() => assertJsonDepth('{"a":{"b":{"c":[1]}}}', 3))?.code, 'too_deep');
  // Siblings do not add up.
  assert.equal(code(() => assertJsonDepth('[[],[],[],[],[]]', 2)), undefined);
});

test('depth: brackets in strings, and escaped quotes, are skipped', () => {
  assert.equal(code(() => assertJsonDepth('["[[[[{{{{"]', 2)), undefined);
  assert.equal(code(() => assertJsonDepth('["a\\"[[[[", "\\\\"]', 2)), undefined);
  // After an escaped backslash the quote really closes the string: the brackets after it count.
  assert.equal(code(() => assertJsonDepth('["\\\\", [[[]]]]', 2))?.code, 'too_deep');
});

test('depth: a million levels is refused without a stack overflow', () => {
  assert.equal(code(() => assertJsonDepth('['.repeat(1_000_000) + ']'.repeat(1_000_000)))?.code, 'too_deep');
});

test('strings: NUL and lone surrogates are named by field; pairs and other controls pass', () => {
  assert.equal(code(() => assertStorableStrings({ a: ['😀', '\t\n\u0001', 1, null, true], b: { c: 'ok' } })), undefined);
  assert.deepEqual(code(() => assertStorableStrings({ a: { b: 'x\u0000' } })), { code: 'invalid_string', field: 'a.b' });
  assert.deepEqual(code(() => assertStorableStrings({ a: [{ b: 'ok' }, { b: '\ud800' }] })), { code: 'invalid_string', field: 'a[1].b' });
  assert.deepEqual(code(() => assertStorableStrings({ a: '\udc00x' })), { code: 'invalid_string', field: 'a' });
  assert.deepEqual(code(() => assertStorableStrings({ a: 'x\ud83d' })), { code: 'invalid_string', field: 'a' });
  assert.deepEqual(code(() => assertStorableStrings({ a: { 'k\u0000': 1 } })), { code: 'invalid_string', field: 'a' });
  assert.deepEqual(code(() => assertStorableStrings('\u0000')), { code: 'invalid_string', field: undefined });
});

test('strings: a deep value is walked without recursion', () => {
  let v: unknown = 'a\u0000';
  for (let i = 0; i < 100_000; i++) v = [v];
  assert.equal(code(() => assertStorableStrings(v))?.code, 'invalid_string');
});

test('strings: the first bad field in document order is named, in a list of a million', () => {
  const ids = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`);
  ids[700_000] = 'bad\u0000';
  ids[900_000] = '\ud800';
  assert.deepEqual(code(() => assertStorableStrings({ audience: { customer_ids: ids }, name: '\u0000' })), { code: 'invalid_string', field: 'audience.customer_ids[700000]' });
  assert.deepEqual(code(() => assertStorableStrings({ name: '\u0000', audience: { customer_ids: ids } })), { code: 'invalid_string', field: 'name' });
});
