import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestFingerprint } from './fingerprint.js';

const cases: [string, unknown, unknown, boolean][] = [
  ['same fields in another order', { phone: '+1', body: 'a', media_urls: ['x', 'y'] }, { media_urls: ['x', 'y'], body: 'a', phone: '+1' }, true],
  ['nested objects in another order', { content: { type: 'text', text: 'a' } }, { content: { text: 'a', type: 'text' } }, true],
  ['an absent field and an undefined one', { body: 'a' }, { body: 'a', sender: undefined }, true],
  ['another body', { body: 'a' }, { body: 'b' }, false],
  ['arrays keep their order', { media_urls: ['x', 'y'] }, { media_urls: ['y', 'x'] }, false],
  ['null is not absent', { sender: null }, {}, false],
];

for (const [name, a, b, same] of cases) {
  test(`fingerprint: ${name} → ${same ? 'same' : 'different'}`, () => {
    assert.equal(requestFingerprint(a) === requestFingerprint(b), same);
  });
}
