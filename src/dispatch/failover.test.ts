import assert from 'node:assert/strict';
import { test } from 'node:test';
import { senderProfileRow } from '../store/fixtures.js';
import { senderFor } from './failover.js';

const p = (id: string, integrationId: string, over: Parameters<typeof senderProfileRow>[3] = {}) => senderProfileRow(id, 'prj_1', integrationId, { channel: 'sms', sender: `+1555${id.slice(-4)}`, ...over });

const cases: { name: string; profiles: ReturnType<typeof p>[]; channel: 'sms' | 'mms' | 'whatsapp'; to: string; expected: string | null }[] = [
  { name: 'none on the integration: its own default sender', profiles: [p('sp_0001', 'int_a', { is_default: 1 })], channel: 'sms', to: 'int_b', expected: null },
  { name: 'the channel default, when on the integration', profiles: [p('sp_0001', 'int_b'), p('sp_0002', 'int_b', { is_default: 1 })], channel: 'sms', to: 'int_b', expected: 'sp_0002' },
  { name: 'else the first of the integration\'s', profiles: [p('sp_0001', 'int_a', { is_default: 1 }), p('sp_0002', 'int_b'), p('sp_0003', 'int_b')], channel: 'sms', to: 'int_b', expected: 'sp_0002' },
  { name: 'not one of another channel', profiles: [p('sp_0001', 'int_b', { channel: 'mms' })], channel: 'sms', to: 'int_b', expected: null },
  { name: 'not a deleted one', profiles: [p('sp_0001', 'int_b', { deleted_at: 5 }), p('sp_0002', 'int_b')], channel: 'sms', to: 'int_b', expected: 'sp_0002' },
];

for (const c of cases) {
  test(`failover sender: ${c.name}`, () => {
    assert.equal(senderFor(c.profiles, c.channel, c.to)?.id ?? null, c.expected);
  });
}
