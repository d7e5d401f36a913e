import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Channel } from '../core/status.js';
import * as consentStore from './consents.js';
import { consentLogRow } from './fixtures.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`consent store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    const states: { customerRef: string; channel: Channel; optedOut: boolean }[] = [
      { customerRef: 'cus_1', channel: 'sms', optedOut: true },
      { customerRef: 'cus_1', channel: 'whatsapp', optedOut: false },
      { customerRef: 'cus_2', channel: 'sms', optedOut: false },
      { customerRef: 'cus_3', channel: 'sms', optedOut: true },
      { customerRef: 'cus_3', channel: 'rcs', optedOut: true },
      { customerRef: 'cus_4', channel: 'whatsapp', optedOut: true },
    ];
    for (const s of states) await consentStore.set(store.db, { projectId: 'prj_1', ...s, now: 1000 });
  });
  after(() => store.close());

  const finds: { name: string; customerRef: string; channel: Channel; want: boolean | undefined }[] = [
    { name: 'opted out', customerRef: 'cus_1', channel: 'sms', want: true },
    { name: 'opted in', customerRef: 'cus_1', channel: 'whatsapp', want: false },
    { name: 'never asked on this channel', customerRef: 'cus_1', channel: 'rcs', want: undefined },
    { name: 'an unknown customer', customerRef: 'cus_nope', channel: 'sms', want: undefined },
  ];
  for (const c of finds) {
    test(`find: ${c.name}`, async () => {
      assert.equal(await consentStore.find(store.db, c.customerRef, c.channel), c.want);
    });
  }

  test('set twice keeps one row per customer and channel, with the last value', async () => {
    await consentStore.set(store.db, { projectId: 'prj_1', customerRef: 'cus_5', channel: 'sms', optedOut: true, now: 2000 });
    assert.equal(await consentStore.find(store.db, 'cus_5', 'sms'), true);
    await consentStore.set(store.db, { projectId: 'prj_1', customerRef: 'cus_5', channel: 'sms', optedOut: false, now: 3000 });
    assert.equal(await consentStore.find(store.db, 'cus_5', 'sms'), false);
    assert.deepEqual(await consentStore.listForCustomer(store.db, 'cus_5'), [{ project_id: 'prj_1', customer_ref: 'cus_5', channel: 'sms', opted_out: 0, updated_at: 3000 }]);
  });

  test("listForCustomer: each of the customer's channels, no one else's", async () => {
    const rows = (await consentStore.listForCustomer(store.db, 'cus_3')).sort((a, b) => a.channel.localeCompare(b.channel));
    assert.deepEqual(rows, [
      { project_id: 'prj_1', customer_ref: 'cus_3', channel: 'rcs', opted_out: 1, updated_at: 1000 },
      { project_id: 'prj_1', customer_ref: 'cus_3', channel: 'sms', opted_out: 1, updated_at: 1000 },
    ]);
    assert.deepEqual(await consentStore.listForCustomer(store.db, 'cus_nope'), []);
  });

  const among: { name: string; refs: string[]; channel: Channel; want: string[] }[] = [
    { name: 'the opted-out ones of the list', refs: ['cus_1', 'cus_2', 'cus_3', 'cus_4'], channel: 'sms', want: ['cus_1', 'cus_3'] },
    { name: 'only on the channel asked', refs: ['cus_1', 'cus_2', 'cus_3', 'cus_4'], channel: 'whatsapp', want: ['cus_4'] },
    { name: 'only among the list', refs: ['cus_2', 'cus_3'], channel: 'sms', want: ['cus_3'] },
    { name: 'customers never asked are not opted out', refs: ['cus_nope', 'cus_2'], channel: 'sms', want: [] },
    { name: 'an empty list', refs: [], channel: 'sms', want: [] },
  ];
  for (const c of among) {
    test(`optedOutAmong: ${c.name}`, async () => {
      const got = await consentStore.optedOutAmong(store.db, c.refs, c.channel);
      assert.deepEqual([...got].sort(), c.want);
    });
  }

  test('the log keeps every entry of a customer, oldest first, with numeric ids', async () => {
    const entries = [
      consentLogRow({ customer_ref: 'cus_l', action: 'opt_out', source: 'keyword', detail: 'STOP', created_at: 3000 }),
      consentLogRow({ customer_ref: 'cus_other', action: 'opt_out', source: 'api', created_at: 3500 }),
      consentLogRow({ customer_ref: 'cus_l', action: 'opt_in', source: 'api', created_at: 2000 }),
      consentLogRow({ customer_ref: 'cus_l', channel: 'whatsapp', action: 'opt_out', source: 'provider_error', detail: '21610', created_at: 4000 }),
    ];
    for (const e of entries) await consentStore.appendLog(store.db, e);
    const log = await consentStore.logOf(store.db, 'cus_l');
    // Oldest is the order they were appended in, whatever their created_at says.
    assert.deepEqual(log.map(({ id: _id, ...rest }) => rest), [entries[0], entries[2], entries[3]]);
    assert.ok(log.every((r) => typeof r.id === 'number'));
    assert.ok(log[0]!.id < log[1]!.id && log[1]!.id < log[2]!.id);
    assert.deepEqual(await consentStore.logOf(store.db, 'cus_nope'), []);
  });
});
