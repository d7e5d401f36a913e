import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scrubEvent } from './erasure.js';

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
