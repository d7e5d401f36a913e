import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretBox, safeEqual, safeEqualFixedLength, sha256Hex } from './crypto.js';

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

test('safeEqualFixedLength compares whole strings, multi-byte ones by their bytes', () => {
  assert.equal(safeEqualFixedLength('tok_abc', 'tok_abc'), true);
  assert.equal(safeEqualFixedLength('tok_abc', 'tok_abd'), false);
  assert.equal(safeEqualFixedLength('tok_ab', 'tok_abc'), false);
  assert.equal(safeEqualFixedLength('é', 'e'), false);
  assert.equal(safeEqualFixedLength('', ''), true);
});

test('sha256Hex of strings and bytes', () => {
  const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  assert.equal(sha256Hex(''), empty);
  assert.equal(sha256Hex(Buffer.alloc(0)), empty);
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
