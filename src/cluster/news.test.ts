import assert from 'node:assert/strict';
import { test } from 'node:test';
import { senderShare } from './cluster.js';
import { decodeNews, encodeNews } from './news.js';

test('news round-trips with its sender; anything else is not news', () => {
  const wire = encodeNews('w1', { kind: 'opt_out', customerRef: 'cus_1', channels: ['sms'] });
  assert.deepEqual(decodeNews(wire), { from: 'w1', news: { kind: 'opt_out', customerRef: 'cus_1', channels: ['sms'] } });
  for (const bad of ['', 'null', '[]', '{"kind":"wake"}', '{"from":"w1","kind":"explode"}', '{"from":1,"kind":"wake"}']) assert.equal(decodeNews(bad), null, bad);
});

test('each process takes at most an even share of the senders', () => {
  assert.equal(senderShare(1, 3), 1);
  assert.equal(senderShare(4, 3), 2);
  assert.equal(senderShare(6, 3), 2);
  assert.equal(senderShare(7, 1), 7);
  assert.equal(senderShare(3, 0), 3, 'no process counted yet: this one takes all');
  assert.equal(senderShare(0, 2), 0);
});
