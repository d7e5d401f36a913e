import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listBatchesUrl, readBatchList } from './find.js';

test('the lookup lists batches by our reference, from a little before the attempt', () => {
  const url = new URL(listBatchesUrl({ service_plan_id: 'plan_1', region: 'eu' }, { messageId: 'msg_01', to: '+46701234567', sinceMs: Date.UTC(2026, 0, 1, 12, 0, 0) }));
  assert.equal(url.origin + url.pathname, 'https://eu.sms.api.sinch.com/xms/v1/plan_1/batches');
  assert.equal(url.searchParams.get('client_reference'), 'msg_01');
  assert.equal(url.searchParams.get('start_date'), '2026-01-01T11:50:00.000Z');
});

const cases: { name: string; statusCode: number; body: unknown; want: ReturnType<typeof readBatchList> }[] = [
  { name: 'our batch', statusCode: 200, body: { page: 0, page_size: 1, count: 1, batches: [{ id: 'b1', client_reference: 'msg_01' }] }, want: { kind: 'found', providerMessageId: 'b1' } },
  { name: 'our batch without an id', statusCode: 200, body: { batches: [{ client_reference: 'msg_01' }] }, want: { kind: 'found', providerMessageId: null } },
  { name: 'an empty list', statusCode: 200, body: { page: 0, page_size: 0, count: 0, batches: [] }, want: { kind: 'absent' } },
  { name: 'only batches of other references (a filter dropped on the way)', statusCode: 200, body: { batches: [{ id: 'b2', client_reference: 'msg_02' }, { id: 'b3' }] }, want: { kind: 'absent' } },
  { name: 'an error answer', statusCode: 401, body: { code: 'unauthorized' }, want: { kind: 'unknown', error: 'http_401', comment: 'list batches answered HTTP 401' } },
  { name: 'a 2xx without a list', statusCode: 200, body: 'oops', want: { kind: 'unknown', error: 'unreadable_answer', comment: 'list batches answered without a batch list' } },
];

for (const c of cases) {
  test(`reading the batch list: ${c.name}`, () => {
    assert.deepEqual(readBatchList({ statusCode: c.statusCode, text: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }, 'msg_01'), c.want);
  });
}
