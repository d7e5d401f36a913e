import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scrubEvent, scrubLastError } from './erasure.js';

test('scrubEvent drops what identifies the person and keeps the rest', () => {
  const cases: [{ properties: string; dedup_key: string | null }, { properties: Record<string, unknown>; dedup_key: string | null }][] = [
    [
      { properties: JSON.stringify({ status: 'delivered', recipient: '+46700000001', sender: 'Shop', campaign_id: 'cmp_1', message_id: 'msg_1', status_code: 0 }), dedup_key: 'msg_1:delivered' },
      { properties: { status: 'delivered', campaign_id: 'cmp_1', message_id: 'msg_1', status_code: 0, erased: true }, dedup_key: 'msg_1:delivered' },
    ],
    [
      { properties: JSON.stringify({ status: 'incoming_message', message: 'hi', sender: '+46700000001', recipient: '+4612345', media: [{ url: 'u' }] }), dedup_key: 'in:int_1:abc' },
      { properties: { status: 'incoming_message', erased: true }, dedup_key: 'in:int_1:abc' },
    ],
    [{ properties: JSON.stringify({ status: 'clicked', url: 'https://x/?email=a@b' }), dedup_key: null }, { properties: { status: 'clicked', erased: true }, dedup_key: null }],
    [{ properties: JSON.stringify({ recipient: '+46700000001', batch_id: 'b' }), dedup_key: 'direct:prj:b:+46700000001:delivered' }, { properties: { batch_id: 'b', erased: true }, dedup_key: null }],
    [{ properties: 'not json', dedup_key: null }, { properties: { erased: true }, dedup_key: null }],
  ];
  for (const [input, expected] of cases) {
    const out = scrubEvent(input);
    assert.deepEqual({ properties: JSON.parse(out.properties) as unknown, dedup_key: out.dedup_key }, expected, input.properties);
  }
});

test('scrubLastError drops the provider free text and keeps reasons and codes', () => {
  const cases: [string, Record<string, unknown>][] = [
    [JSON.stringify({ status_code: 400, error: '21211', comment: "The 'To' number +46700000001 is not a valid phone number." }), { status_code: 400, error: '21211', erased: true }],
    [JSON.stringify({ reason: 'customer_erased' }), { reason: 'customer_erased', erased: true }],
    [JSON.stringify({ status_code: null, error: 'deadline_exceeded', comment: 'the retry deadline passed' }), { status_code: null, error: 'deadline_exceeded', erased: true }],
    ['not json', { erased: true }],
    ['[1,2]', { erased: true }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(JSON.parse(scrubLastError(input)), expected, input);
});
