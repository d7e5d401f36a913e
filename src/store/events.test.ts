import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as eventStore from './events.js';
import { eventRow } from './fixtures.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`event store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  /** prj_1's event ids by timestamp (each seeded event has its own timestamp). */
  const idOf = new Map<number, number>();
  before(async () => {
    store = await backend.open();
    const rows = [
      eventRow({ timestamp: 1, customer_ref: 'cus_1', name: 'SMS', status: 'enqueued', message_id: 'msg_1', campaign_id: 'cmp_1', dedup_key: 'msg_1:enqueued' }),
      eventRow({ timestamp: 2, customer_ref: 'cus_1', name: 'SMS', status: 'delivered', message_id: 'msg_1', campaign_id: 'cmp_1', dedup_key: 'msg_1:delivered' }),
      eventRow({ timestamp: 3, customer_ref: 'cus_2', customer_id: 'ext_cus_2', name: 'SMS', status: 'enqueued', message_id: 'msg_2', campaign_id: 'cmp_1', dedup_key: 'msg_2:enqueued' }),
      eventRow({ project_id: 'prj_2', timestamp: 4, customer_ref: 'cus_9', name: 'SMS', status: 'delivered', campaign_id: 'cmp_9' }),
      eventRow({ timestamp: 5, customer_ref: 'cus_2', customer_id: 'ext_cus_2', name: 'SMS', status: 'failed', message_id: 'msg_2', campaign_id: 'cmp_1', dedup_key: 'msg_2:failed' }),
      eventRow({ timestamp: 6, customer_ref: 'cus_1', name: 'WhatsApp', status: 'incoming_message' }),
      eventRow({ timestamp: 7, customer_ref: 'cus_1', name: 'SMS', status: 'delivered', message_id: 'msg_3', dedup_key: 'msg_3:delivered' }),
      eventRow({ timestamp: 8, customer_ref: 'cus_2', customer_id: 'ext_cus_2', name: 'SMS', status: 'clicked', message_id: 'msg_2', campaign_id: 'cmp_1', properties: '{"url":"https://x"}' }),
    ];
    for (const r of rows) assert.equal(await eventStore.insert(store.db, r), true);
    for (const e of await eventStore.list(store.db, 'prj_1', { limit: 100 })) idOf.set(e.timestamp, e.id);
  });
  after(() => store.close());

  test('a row round-trips as listed, with a numeric id', async () => {
    const [row] = await eventStore.list(store.db, 'prj_1', { message_id: 'msg_2', status: 'clicked', limit: 10 });
    assert.deepEqual(row, { id: idOf.get(8), name: 'SMS', customer_id: 'ext_cus_2', timestamp: 8, properties: '{"url":"https://x"}', created_at: 1000 });
    assert.equal(typeof row.id, 'number');
  });

  test('a second event with the same dedup key is not recorded; the first stays', async () => {
    assert.equal(await eventStore.insert(store.db, eventRow({ timestamp: 100, dedup_key: 'msg_1:delivered', properties: '{"second":true}' })), false);
    assert.deepEqual((await eventStore.list(store.db, 'prj_1', { message_id: 'msg_1', status: 'delivered', limit: 10 })).map((e) => e.timestamp), [2]);
    assert.equal((await eventStore.list(store.db, 'prj_1', { limit: 100 })).length, 7);
  });

  test('events without a dedup key are each recorded', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await eventStore.insert(store.db, eventRow({ project_id: 'prj_3', timestamp: 200 + i, dedup_key: null })), true);
    assert.deepEqual((await eventStore.list(store.db, 'prj_3', { limit: 10 })).map((e) => e.timestamp), [200, 201, 202]);
  });

  const filters: { name: string; filter: Omit<eventStore.EventFilter, 'after'> & { after?: number }; want: number[] }[] = [
    { name: "all of the project's, oldest first, never another's", filter: { limit: 100 }, want: [1, 2, 3, 5, 6, 7, 8] },
    { name: 'by customer', filter: { customer_ref: 'cus_1', limit: 100 }, want: [1, 2, 6, 7] },
    { name: 'by name', filter: { name: 'WhatsApp', limit: 100 }, want: [6] },
    { name: 'by status', filter: { status: 'delivered', limit: 100 }, want: [2, 7] },
    { name: 'by campaign', filter: { campaign_id: 'cmp_1', limit: 100 }, want: [1, 2, 3, 5, 8] },
    { name: 'by message', filter: { message_id: 'msg_2', limit: 100 }, want: [3, 5, 8] },
    { name: 'filters combine', filter: { customer_ref: 'cus_2', campaign_id: 'cmp_1', status: 'enqueued', limit: 100 }, want: [3] },
    { name: 'a filter that matches nothing', filter: { customer_ref: 'cus_9', limit: 100 }, want: [] },
    { name: 'a campaign of another project', filter: { campaign_id: 'cmp_9', limit: 100 }, want: [] },
    { name: 'limit keeps the oldest', filter: { limit: 3 }, want: [1, 2, 3] },
    { name: 'limit after a filter', filter: { customer_ref: 'cus_1', limit: 2 }, want: [1, 2] },
  ];
  for (const c of filters) {
    test(`list: ${c.name}`, async () => {
      const rows = await eventStore.list(store.db, 'prj_1', c.filter);
      assert.deepEqual(rows.map((e) => e.timestamp), c.want);
    });
  }

  const cursors: { name: string; after: (id: (t: number) => number) => number; filter?: Partial<eventStore.EventFilter>; limit: number; want: number[] }[] = [
    { name: 'the page after a cursor', after: (id) => id(3), limit: 2, want: [5, 6] },
    { name: 'the next page', after: (id) => id(6), limit: 2, want: [7, 8] },
    { name: 'nothing past the end', after: (id) => id(8), limit: 2, want: [] },
    { name: 'a cursor of 0 is a cursor, not absent', after: () => 0, limit: 2, want: [1, 2] },
    { name: 'a cursor with a filter', after: (id) => id(2), filter: { customer_ref: 'cus_1' }, limit: 10, want: [6, 7] },
  ];
  for (const c of cursors) {
    test(`list: ${c.name}`, async () => {
      const rows = await eventStore.list(store.db, 'prj_1', { ...c.filter, after: c.after((t) => idOf.get(t)!), limit: c.limit });
      assert.deepEqual(rows.map((e) => e.timestamp), c.want);
    });
  }

  const counts: { campaign: string; want: Record<string, number> }[] = [
    { campaign: 'cmp_1', want: { enqueued: 2, delivered: 1, failed: 1, clicked: 1 } },
    { campaign: 'cmp_9', want: { delivered: 1 } },
    { campaign: 'cmp_none', want: {} },
  ];
  for (const c of counts) {
    test(`countByStatus: ${c.campaign}`, async () => {
      assert.deepEqual(await eventStore.countByStatus(store.db, c.campaign), c.want);
    });
  }
});
