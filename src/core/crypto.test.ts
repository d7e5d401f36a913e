import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretBox, safeEqual } from './crypto.js';

test('sealed secrets round-trip and do not contain the plaintext', () => {
  const box = new SecretBox(SecretBox.generateKey());
  const sealed = box.sealJson({ api_token: 'very-secret-token' });
  assert.ok(!sealed.includes('very-secret-token'));
  assert.deepEqual(box.openJson(sealed), { api_token: 'very-secret-token' });
  assert.notEqual(box.seal('x'), box.seal('x'), 'a fresh IV each time');
});

test('a different key, or a tampered box, cannot be opened', () => {
  const a = new SecretBox('key one');
  const b = new SecretBox('key two');
  const sealed = a.seal('hello');
  assert.throws(() => b.open(sealed));
  const parts = sealed.split(':');
  parts[3] = Buffer.from('hellp').toString('base64');
  assert.throws(() => a.open(parts.join(':')));
});

test('safeEqual compares whole strings of any length', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('', ''), true);
});
