import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Channel } from '../core/status.js';
import type { MessageStatus } from '../messages/status.js';
import { inTransaction } from './db.js';
import { messageRow } from './fixtures.js';
import * as messageStore from './messages.js';
import type { MessagesTable } from './schema.js';
import { storeBackends, type TestStore } from './testing.js';

const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id).sort();

/** Rows a claim returned, in the order the queue promises: next_attempt_at, then id. */
const byDue = (rows: readonly MessagesTable[]) =>
  [...rows].sort((a, b) => a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);

for (const backend of await storeBackends()) describe(`message store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
  });
  after(() => store.close());

  describe('single messages', () => {
    const full = messageRow('msg_full', {
      campaign_id: 'cmp_x',
      message_type: 'campaign',
      channel: 'whatsapp',
      sender: '+12025550000',
      sender_profile_id: 'sp_1',
      content: '{"text":"hi"}',
      media: '["https://x/y.png"]',
      parts: 2,
      encoding: 'UCS-2',
      status: 'delivered',
      dispatch_state: 'done',
      attempts: 3,
      claimed_by: 'w1',
      possible_duplicate: 1,
      request_started_at: 1_699_999_999_000,
      unconfirmed_since: 1_699_999_998_000,
      provider_message_id: 'prov_full',
      sent_at_us: 1_700_000_000_000_000,
      expects_reports: 0,
      last_error: '{"status_code":500}',
      idempotency_key: 'idem_full',
      auto_reply: 1,
    });
    before(async () => {
      await messageStore.insert(store.db, full);
      await messageStore.insert(store.db, messageRow('msg_p1', { idempotency_key: 'k1' }));
      await messageStore.insert(store.db, messageRow('msg_p2', { project_id: 'prj_2', idempotency_key: 'k1' }));
      await messageStore.insert(store.db, messageRow('msg_nokey_1'));
      await messageStore.insert(store.db, messageRow('msg_nokey_2'));
    });

    test('a row round-trips, every column', async () => {
      assert.deepEqual(await messageStore.find(store.db, 'msg_full'), full);
      assert.equal(await messageStore.find(store.db, 'msg_nope'), undefined);
    });

    const inProject: { name: string; project: string; id: string; found: boolean }[] = [
      { name: "the project's message", project: 'prj_1', id: 'msg_p1', found: true },
      { name: "another project's message", project: 'prj_1', id: 'msg_p2', found: false },
      { name: 'the other project sees its own', project: 'prj_2', id: 'msg_p2', found: true },
      { name: 'an unknown id', project: 'prj_1', id: 'msg_nope', found: false },
    ];
    for (const c of inProject) {
      test(`findInProject: ${c.name}`, async () => {
        assert.equal((await messageStore.findInProject(store.db, c.project, c.id))?.id, c.found ? c.id : undefined);
      });
    }

    const byKey: { name: string; project: string; key: string; want: string | undefined }[] = [
      { name: 'the message with the key', project: 'prj_1', key: 'k1', want: 'msg_p1' },
      { name: 'the same key in another project is another message', project: 'prj_2', key: 'k1', want: 'msg_p2' },
      { name: 'an unknown key', project: 'prj_1', key: 'k2', want: undefined },
      { name: 'a key of another project only', project: 'prj_2', key: 'idem_full', want: undefined },
    ];
    for (const c of byKey) {
      test(`findByIdempotencyKey: ${c.name}`, async () => {
        assert.equal((await messageStore.findByIdempotencyKey(store.db, c.project, c.key))?.id, c.want);
      });
    }

    test("a second message with a project's idempotency key is refused; without keys, any number", async () => {
      await assert.rejects(messageStore.insert(store.db, messageRow('msg_p1_again', { idempotency_key: 'k1' })));
      assert.equal(await messageStore.find(store.db, 'msg_p1_again'), undefined);
      assert.equal((await messageStore.listByIds(store.db, ['msg_nokey_1', 'msg_nokey_2'])).length, 2);
    });

    test('a second message with an existing id is refused', async () => {
      await assert.rejects(messageStore.insert(store.db, messageRow('msg_p1')));
    });
  });

  describe('campaign fan-out', () => {
    const row = (id: string, campaign: string, customer: string) => messageRow(id, { campaign_id: campaign, message_type: 'campaign', customer_ref: customer, customer_id: `ext_${customer}` });
    const launch = (rows: MessagesTable[]) => inTransaction(store.db, (trx) => messageStore.insertForCampaign(trx, rows));

    test('every row of a first launch is inserted, every column', async () => {
      const rows = ['c1', 'c2', 'c3'].map((c) => row(`f1_${c}`, 'cmp_f', c));
      await launch(rows);
      assert.deepEqual((await messageStore.listByIds(store.db, rows.map((r) => r.id))).sort((a, b) => a.id.localeCompare(b.id)), rows);
    });

    test('rows differing in any column keep their own values (a column the same in every row is bound once)', async () => {
      // Each column differs in exactly one row, so every statement shape mixes shared and per-row values.
      const rows = ['d1', 'd2', 'd3', 'd4', 'd5'].map((c) => row(`fd_${c}`, 'cmp_fd', c));
      Object.assign(rows[1]!, { body: 'personalised for d2', parts: 2, encoding: 'UCS-2' });
      Object.assign(rows[2]!, { next_attempt_at: rows[2]!.next_attempt_at + 3_600_000, deadline_at: rows[2]!.deadline_at + 3_600_000 });
      Object.assign(rows[3]!, { content: JSON.stringify({ type: 'template', name: 'x', parameters: { n: 'd4' } }), expects_reports: 0 });
      Object.assign(rows[4]!, { sender: null, media: JSON.stringify(['https://example.com/a.png']) });
      await launch(rows);
      assert.deepEqual((await messageStore.listByIds(store.db, rows.map((r) => r.id))).sort((a, b) => a.id.localeCompare(b.id)), rows);
    });

    test('text of any kind survives the trip: quotes, backslashes, braces, commas, newlines, NULL-looking words, emoji', async () => {
      const bodies = ['say "hi"', 'C:\\path\\n', '{a,b}', 'one, two', 'line\nbreak\ttab', 'NULL', '', '💬 ünïcödé ✓', "it's"];
      const rows = bodies.map((body, i) => Object.assign(row(`ft_${i}`, 'cmp_ft', `t${i}`), { body, last_error: i % 2 ? null : body }));
      await launch(rows);
      assert.deepEqual((await messageStore.listByIds(store.db, rows.map((r) => r.id))).sort((a, b) => a.id.localeCompare(b.id)), rows);
    });

    test('a resumed launch skips customers the campaign already reached, keeping their first message', async () => {
      await launch(['c2', 'c3', 'c4', 'c5'].map((c) => row(`f2_${c}`, 'cmp_f', c)));
      const all = await messageStore.listByIds(store.db, ['f1_c1', 'f1_c2', 'f1_c3', 'f2_c2', 'f2_c3', 'f2_c4', 'f2_c5']);
      assert.deepEqual(ids(all), ['f1_c1', 'f1_c2', 'f1_c3', 'f2_c4', 'f2_c5']);
    });

    test('a customer twice in one launch gets one message', async () => {
      await launch([row('f3_a', 'cmp_f3', 'c1'), row('f3_b', 'cmp_f3', 'c1'), row('f3_c', 'cmp_f3', 'c2')]);
      assert.deepEqual(ids(await messageStore.listByIds(store.db, ['f3_a', 'f3_b', 'f3_c'])), ['f3_a', 'f3_c']);
    });

    test('the same customer in another campaign, or outside any, is another message', async () => {
      await launch([row('f4_c1', 'cmp_f4', 'c1')]);
      await messageStore.insert(store.db, messageRow('f4_solo_1', { customer_ref: 'c1' }));
      await messageStore.insert(store.db, messageRow('f4_solo_2', { customer_ref: 'c1' }));
      assert.deepEqual(ids(await messageStore.listByIds(store.db, ['f1_c1', 'f4_c1', 'f4_solo_1', 'f4_solo_2'])), ['f1_c1', 'f4_c1', 'f4_solo_1', 'f4_solo_2']);
    });

    test("a campaign message's fallback on another channel is kept, and a resumed launch still skips the customer", async () => {
      await launch([row('f6_c1', 'cmp_f6', 'c1')]);
      const fallback = { ...row('f6_c1_fb', 'cmp_f6', 'c1'), channel: 'whatsapp' as const, fallback_of: 'f6_c1' };
      assert.equal(await messageStore.insertFallback(store.db, fallback), true);
      await launch([row('f6_again', 'cmp_f6', 'c1')]);
      assert.deepEqual(ids(await messageStore.listByIds(store.db, ['f6_c1', 'f6_c1_fb', 'f6_again'])), ['f6_c1', 'f6_c1_fb']);
    });

    test('the frequency cap counts a message and its fallback as one', async () => {
      await launch([row('f7_c9', 'cmp_f7', 'c9')]);
      await messageStore.insertFallback(store.db, { ...row('f7_c9_fb', 'cmp_f7', 'c9'), channel: 'whatsapp', fallback_of: 'f7_c9' });
      assert.deepEqual([...(await messageStore.customersAtCap(store.db, ['c9'], '', 'cmp_other', 2))], []);
      assert.deepEqual([...(await messageStore.customersAtCap(store.db, ['c9'], '', 'cmp_other', 1))], ['c9']);
    });

    test('an empty launch inserts nothing', async () => {
      await launch([]);
    });

    test('a launch rolled back with its transaction leaves nothing', async () => {
      await assert.rejects(
        inTransaction(store.db, async (trx) => {
          await messageStore.insertForCampaign(trx, [row('f5_c1', 'cmp_f5', 'c1')]);
          throw new Error('boom');
        }),
      );
      assert.equal(await messageStore.find(store.db, 'f5_c1'), undefined);
    });

    const sizes = [1, 500, 501, 1234];
    for (const size of sizes) {
      test(`${size} rows are inserted in chunks, all of them, and a second launch adds none`, async () => {
        const campaign = `cmp_n${size}`;
        const first = Array.from({ length: size }, (_, i) => row(`n${size}_${i}`, campaign, `c${i}`));
        await launch(first);
        assert.equal((await messageStore.listByIds(store.db, first.map((r) => r.id))).length, size);
        // Resumed with the last customers of each chunk first, one new customer at the end.
        const again = [...first].reverse().map((r) => ({ ...r, id: `${r.id}_again` }));
        again.push(row(`n${size}_new`, campaign, 'c_new'));
        await launch(again);
        assert.deepEqual(ids(await messageStore.listByIds(store.db, again.map((r) => r.id))), [`n${size}_new`]);
      });
    }
  });

  describe('lookups by ids', () => {
    before(async () => {
      const rows = [
        messageRow('l1', { integration_id: 'int_l', provider_message_id: 'batch_1', recipient: '+12025550101' }),
        messageRow('l2', { integration_id: 'int_l', provider_message_id: 'batch_1', recipient: '+12025550102' }),
        messageRow('l3', { integration_id: 'int_l', provider_message_id: 'p3' }),
        messageRow('l4', { integration_id: 'int_other', provider_message_id: 'p3' }),
        messageRow('l5', { integration_id: 'int_l' }),
      ];
      for (const r of rows) await messageStore.insert(store.db, r);
      for (let i = 0; i < 600; i++) await messageStore.insert(store.db, messageRow(`lm_${i}`, { integration_id: 'int_many', provider_message_id: `pm_${i}` }));
    });

    const byIds: { name: string; ids: string[]; want: string[] }[] = [
      { name: 'known ids, unknown ones left out', ids: ['l3', 'nope', 'l1'], want: ['l1', 'l3'] },
      { name: 'an id twice is one row', ids: ['l1', 'l1'], want: ['l1'] },
      { name: 'none for an empty list', ids: [], want: [] },
    ];
    for (const c of byIds) {
      test(`listByIds: ${c.name}`, async () => {
        assert.deepEqual(ids(await messageStore.listByIds(store.db, c.ids)), c.want);
      });
    }

    test('listByIds: more than 500 ids', async () => {
      const wanted = Array.from({ length: 600 }, (_, i) => `lm_${i}`);
      assert.deepEqual(ids(await messageStore.listByIds(store.db, [...wanted, 'l1'])), [...wanted, 'l1'].sort());
    });

    const byProvider: { name: string; integration: string; providerIds: string[]; want: string[] }[] = [
      { name: 'every recipient of a batch id', integration: 'int_l', providerIds: ['batch_1'], want: ['l1', 'l2'] },
      { name: "only the integration's messages", integration: 'int_l', providerIds: ['p3'], want: ['l3'] },
      { name: "the other integration's own", integration: 'int_other', providerIds: ['p3', 'batch_1'], want: ['l4'] },
      { name: 'several provider ids, unknown ones left out', integration: 'int_l', providerIds: ['p3', 'batch_1', 'nope'], want: ['l1', 'l2', 'l3'] },
      { name: 'none for an empty list', integration: 'int_l', providerIds: [], want: [] },
      { name: 'an unknown integration', integration: 'int_nope', providerIds: ['p3'], want: [] },
    ];
    for (const c of byProvider) {
      test(`listByProviderIds: ${c.name}`, async () => {
        assert.deepEqual(ids(await messageStore.listByProviderIds(store.db, c.integration, c.providerIds)), c.want);
      });
    }

    test('listByProviderIds: more than 500 provider ids', async () => {
      const rows = await messageStore.listByProviderIds(store.db, 'int_many', Array.from({ length: 600 }, (_, i) => `pm_${i}`));
      assert.equal(rows.length, 600);
    });
  });

  describe('the dispatch queue', () => {
    // Each case has an integration of its own; rows are [id, next_attempt_at, dispatch_state?].
    type Queued = [id: string, nextAttemptAt: number, state?: MessagesTable['dispatch_state']];
    const claims: { name: string; rows: Queued[]; now: number; limit: number; want: string[] }[] = [
      { name: 'due ones, oldest next_attempt_at first', rows: [['a', 300], ['b', 100], ['c', 200]], now: 1000, limit: 10, want: ['b', 'c', 'a'] },
      { name: 'one due at now is due', rows: [['a', 1000], ['b', 1001]], now: 1000, limit: 10, want: ['a'] },
      { name: 'up to the limit, the oldest', rows: [['a', 300], ['b', 100], ['c', 200], ['d', 50]], now: 1000, limit: 2, want: ['d', 'b'] },
      { name: 'ties broken by id', rows: [['z', 100], ['m', 100], ['a', 100], ['b', 50]], now: 1000, limit: 3, want: ['b', 'a', 'm'] },
      { name: 'only queued ones', rows: [['a', 100, 'sending'], ['b', 100, 'done'], ['c', 100, 'cancelled'], ['d', 100]], now: 1000, limit: 10, want: ['d'] },
      { name: 'none due yet', rows: [['a', 2000]], now: 1000, limit: 10, want: [] },
      { name: 'an empty queue', rows: [], now: 1000, limit: 10, want: [] },
    ];
    claims.forEach((c, n) => {
      test(`claimDue: ${c.name}`, async () => {
        const integration = `int_claim_${n}`;
        const id = (x: string) => `${integration}_${x}`;
        for (const [x, at, state] of c.rows) await messageStore.insert(store.db, messageRow(id(x), { integration_id: integration, next_attempt_at: at, dispatch_state: state ?? 'queued' }));
        // Another integration's due message is never claimed.
        await messageStore.insert(store.db, messageRow(id('other'), { integration_id: `${integration}_other`, next_attempt_at: 0 }));
        const claimed = await messageStore.claimDue(store.db, { integrationId: integration, worker: 'w1', now: c.now, limit: c.limit });
        assert.deepEqual(byDue(claimed), c.want.map(id));
        for (const r of claimed) {
          assert.deepEqual(r, { ...messageRow(r.id, { integration_id: integration, next_attempt_at: r.next_attempt_at }), dispatch_state: 'sending', claimed_by: 'w1', updated_at: c.now });
          assert.deepEqual(await messageStore.find(store.db, r.id), r, 'as stored');
        }
        // Claimed ones are not claimed again.
        const again = await messageStore.claimDue(store.db, { integrationId: integration, worker: 'w2', now: c.now, limit: 100 });
        assert.ok(again.every((r) => !c.want.map(id).includes(r.id)));
        assert.equal((await messageStore.find(store.db, id('other')))?.dispatch_state, 'queued');
      });
    });

    const nextDue: { name: string; rows: Queued[]; want: number | null }[] = [
      { name: 'the earliest queued, due or not', rows: [['a', 300], ['b', 5000], ['c', 200]], want: 200 },
      { name: 'only queued ones count', rows: [['a', 100, 'sending'], ['b', 50, 'done'], ['c', 10, 'cancelled'], ['d', 400]], want: 400 },
      { name: 'null when none is queued', rows: [['a', 100, 'sending'], ['b', 50, 'done']], want: null },
      { name: 'null for an empty queue', rows: [], want: null },
    ];
    nextDue.forEach((c, n) => {
      test(`nextDueAt: ${c.name}`, async () => {
        const integration = `int_next_${n}`;
        for (const [x, at, state] of c.rows) await messageStore.insert(store.db, messageRow(`${integration}_${x}`, { integration_id: integration, next_attempt_at: at, dispatch_state: state ?? 'queued' }));
        await messageStore.insert(store.db, messageRow(`${integration}_other`, { integration_id: `${integration}_other`, next_attempt_at: 1 }));
        assert.equal(await messageStore.nextDueAt(store.db, integration), c.want);
      });
    });
  });

  describe('taking messages off the queue', () => {
    // Its own store: requeueInterrupted touches every claimed message there is.
    let q: TestStore;
    const seed = (rows: MessagesTable[]) => Promise.all(rows.map((r) => messageStore.insert(q.db, r)));
    const state = async (id: string) => {
      const m = (await messageStore.find(q.db, id))!;
      return {
        dispatch_state: m.dispatch_state,
        claimed_by: m.claimed_by,
        attempts: m.attempts,
        possible_duplicate: m.possible_duplicate,
        request_started_at: m.request_started_at,
        unconfirmed_since: m.unconfirmed_since,
        last_error: m.last_error,
        updated_at: m.updated_at,
      };
    };
    before(async () => {
      q = await backend.open();
    });
    after(() => q.close());

    const untouched = { claimed_by: null, attempts: 0, possible_duplicate: 0, request_started_at: null, unconfirmed_since: null, last_error: null, updated_at: 1000 };

    test('requeueInterrupted puts back every claimed message; those whose request had started count the attempt and become unconfirmed', async () => {
      await seed([
        messageRow('r1', { integration_id: 'int_a', dispatch_state: 'sending', claimed_by: 'w1', request_started_at: 1500 }),
        messageRow('r2', { integration_id: 'int_b', dispatch_state: 'sending', claimed_by: 'w2' }),
        messageRow('r3', { integration_id: 'int_a', dispatch_state: 'queued' }),
        messageRow('r4', { integration_id: 'int_a', dispatch_state: 'done' }),
        messageRow('r5', { integration_id: 'int_a', dispatch_state: 'cancelled' }),
        // Already unconfirmed from an earlier timeout: it stays unconfirmed since then.
        messageRow('r6', { integration_id: 'int_a', dispatch_state: 'sending', claimed_by: 'w1', attempts: 1, request_started_at: 1700, unconfirmed_since: 1200 }),
      ]);
      assert.equal(await messageStore.requeueInterrupted(q.db, 2000), 3);
      assert.deepEqual(await state('r1'), { ...untouched, dispatch_state: 'queued', attempts: 1, unconfirmed_since: 1500, updated_at: 2000 });
      assert.deepEqual(await state('r2'), { ...untouched, dispatch_state: 'queued', updated_at: 2000 }, 'claimed, never sent: not counted, not unconfirmed');
      assert.deepEqual(await state('r6'), { ...untouched, dispatch_state: 'queued', attempts: 2, unconfirmed_since: 1200, updated_at: 2000 });
      for (const [id, s] of [['r3', 'queued'], ['r4', 'done'], ['r5', 'cancelled']] as const) {
        assert.deepEqual(await state(id), { ...untouched, dispatch_state: s }, id);
      }
      assert.equal(await messageStore.requeueInterrupted(q.db, 3000), 0, 'nothing left to requeue');
    });

    test("requeueInterrupted of one integration (a sender lease taken over) puts back that integration's claims only", async () => {
      await seed([
        messageRow('ri1', { integration_id: 'int_ri', dispatch_state: 'sending', claimed_by: 'dead', request_started_at: 1500 }),
        messageRow('ri2', { integration_id: 'int_ri', dispatch_state: 'sending', claimed_by: 'dead' }),
        messageRow('ri3', { integration_id: 'int_ri_live', dispatch_state: 'sending', claimed_by: 'live', request_started_at: 1600 }),
        messageRow('ri4', { integration_id: 'int_ri', dispatch_state: 'queued' }),
      ]);
      assert.equal(await messageStore.requeueInterrupted(q.db, 2000, 'int_ri'), 2);
      assert.deepEqual(await state('ri1'), { ...untouched, dispatch_state: 'queued', attempts: 1, unconfirmed_since: 1500, updated_at: 2000 });
      assert.deepEqual(await state('ri2'), { ...untouched, dispatch_state: 'queued', updated_at: 2000 });
      assert.deepEqual(await state('ri3'), { ...untouched, dispatch_state: 'sending', claimed_by: 'live', request_started_at: 1600 }, "another integration's sender: left alone");
      assert.deepEqual(await state('ri4'), { ...untouched, dispatch_state: 'queued' });
      assert.equal(await messageStore.requeueInterrupted(q.db, 2000, 'int_ri_live'), 1);
    });

    test('releaseClaims and cancelClaimed with a worker touch only that worker\'s claims', async () => {
      await seed([
        messageRow('fw1', { dispatch_state: 'sending', claimed_by: 'w_old' }),
        messageRow('fw2', { dispatch_state: 'sending', claimed_by: 'w_new' }),
        messageRow('fw3', { dispatch_state: 'sending', claimed_by: 'w_old' }),
        messageRow('fw4', { dispatch_state: 'sending', claimed_by: 'w_new' }),
      ]);
      await messageStore.releaseClaims(q.db, ['fw1', 'fw2'], 'w_old');
      assert.deepEqual(await state('fw1'), { ...untouched, dispatch_state: 'queued' });
      assert.deepEqual(await state('fw2'), { ...untouched, dispatch_state: 'sending', claimed_by: 'w_new' }, 'taken over by another worker since');
      assert.equal(await messageStore.cancelClaimed(q.db, ['fw3', 'fw4'], 'opted_out', 2000, 'w_old'), 1);
      assert.equal((await state('fw3')).dispatch_state, 'cancelled');
      assert.deepEqual(await state('fw4'), { ...untouched, dispatch_state: 'sending', claimed_by: 'w_new' });
      // Not left claimed for the rest of this store's tests.
      await messageStore.cancelClaimed(q.db, ['fw2', 'fw4'], 'opted_out', 2000);
    });

    test('markRequestStarted records the moment, and marks a possible duplicate only when an earlier request is unconfirmed', async () => {
      await seed([
        messageRow('rs1', { dispatch_state: 'sending', claimed_by: 'w1' }),
        messageRow('rs2', { dispatch_state: 'sending', claimed_by: 'w1', attempts: 1, unconfirmed_since: 900 }),
        messageRow('rs3', { dispatch_state: 'queued' }),
      ]);
      for (const id of ['rs1', 'rs2', 'rs3']) await messageStore.markRequestStarted(q.db, id, 1500);
      assert.deepEqual(await state('rs1'), { ...untouched, dispatch_state: 'sending', claimed_by: 'w1', request_started_at: 1500 });
      assert.deepEqual(await state('rs2'), { ...untouched, dispatch_state: 'sending', claimed_by: 'w1', attempts: 1, request_started_at: 1500, unconfirmed_since: 900, possible_duplicate: 1 });
      assert.deepEqual(await state('rs3'), { ...untouched, dispatch_state: 'queued' }, 'not claimed: nothing is being sent');
    });

    test('markConfirmed accepts an unconfirmed message that is queued or was refused, never one being sent', async () => {
      await seed([
        messageRow('mc1', { dispatch_state: 'queued', attempts: 1, unconfirmed_since: 900 }),
        messageRow('mc2', { dispatch_state: 'done', status: 'refused', attempts: 3, unconfirmed_since: 900, provider_message_id: null }),
        messageRow('mc3', { dispatch_state: 'sending', claimed_by: 'w1', attempts: 1, unconfirmed_since: 900 }),
        messageRow('mc4', { dispatch_state: 'queued', attempts: 1 }),
        messageRow('mc5', { dispatch_state: 'done', status: 'accepted', attempts: 1, unconfirmed_since: 900 }),
      ]);
      const confirm = (id: string) => messageStore.markConfirmed(q.db, { id, provider_message_id: 'batch_1', sent_at_us: 900_000, updated_at: 2500 });
      assert.equal(await confirm('mc1'), true);
      assert.equal(await confirm('mc2'), true);
      assert.equal(await confirm('mc3'), false, 'a send is under way: its own outcome decides');
      assert.equal(await confirm('mc4'), false, 'never unconfirmed');
      assert.equal(await confirm('mc5'), false, 'accepted already');
      for (const id of ['mc1', 'mc2']) {
        const m = (await messageStore.find(q.db, id))!;
        assert.deepEqual([m.status, m.dispatch_state, m.provider_message_id, m.sent_at_us, m.unconfirmed_since], ['accepted', 'done', 'batch_1', 900_000, null], id);
      }
      assert.equal((await messageStore.find(q.db, 'mc3'))!.dispatch_state, 'sending');
    });

    test("releaseClaims hands back the ones still claimed, untouched, with no crash mark", async () => {
      await seed([
        messageRow('rc1', { dispatch_state: 'sending', claimed_by: 'w1' }),
        messageRow('rc2', { dispatch_state: 'sending', claimed_by: 'w1' }),
        messageRow('rc3', { dispatch_state: 'done', status: 'accepted' }),
        messageRow('rc4', { dispatch_state: 'cancelled' }),
        messageRow('rc5', { dispatch_state: 'sending', claimed_by: 'w2' }),
      ]);
      await messageStore.releaseClaims(q.db, ['rc1', 'rc2', 'rc3', 'rc4', 'nope']);
      const released = { ...untouched, dispatch_state: 'queued' };
      assert.deepEqual(await state('rc1'), released);
      assert.deepEqual(await state('rc2'), released);
      assert.equal((await state('rc3')).dispatch_state, 'done');
      assert.equal((await state('rc4')).dispatch_state, 'cancelled');
      assert.deepEqual(await state('rc5'), { ...released, dispatch_state: 'sending', claimed_by: 'w2' }, 'not in the list');
      await messageStore.releaseClaims(q.db, []);
    });

    test('cancelClaimed cancels the claimed ones of the list with the reason', async () => {
      await seed([
        messageRow('cc1', { dispatch_state: 'sending', claimed_by: 'w1' }),
        messageRow('cc2', { dispatch_state: 'queued' }),
        messageRow('cc3', { dispatch_state: 'done' }),
        messageRow('cc4', { dispatch_state: 'sending', claimed_by: 'w1' }),
      ]);
      await messageStore.cancelClaimed(q.db, ['cc1', 'cc2', 'cc3'], 'opted_out', 2000);
      assert.deepEqual(await state('cc1'), { ...untouched, dispatch_state: 'cancelled', last_error: '{"reason":"opted_out"}', updated_at: 2000 });
      assert.deepEqual(await state('cc2'), { ...untouched, dispatch_state: 'queued' });
      assert.equal((await state('cc3')).dispatch_state, 'done');
      assert.equal((await state('cc4')).dispatch_state, 'sending');
      await messageStore.cancelClaimed(q.db, [], 'opted_out', 2000);
    });

    test("cancelQueuedOfIntegration cancels what is queued for the integration, nothing else", async () => {
      await seed([
        messageRow('ci1', { integration_id: 'int_gone', dispatch_state: 'queued' }),
        messageRow('ci2', { integration_id: 'int_gone', dispatch_state: 'queued', next_attempt_at: 99_999 }),
        messageRow('ci3', { integration_id: 'int_gone', dispatch_state: 'sending', claimed_by: 'w1' }),
        messageRow('ci4', { integration_id: 'int_gone', dispatch_state: 'done' }),
        messageRow('ci5', { integration_id: 'int_kept', dispatch_state: 'queued' }),
      ]);
      await messageStore.cancelQueuedOfIntegration(q.db, 'int_gone', 'integration_deleted', 3000);
      const cancelled = { ...untouched, dispatch_state: 'cancelled', last_error: '{"reason":"integration_deleted"}', updated_at: 3000 };
      assert.deepEqual(await state('ci1'), cancelled);
      assert.deepEqual(await state('ci2'), cancelled);
      assert.equal((await state('ci3')).dispatch_state, 'sending');
      assert.equal((await state('ci4')).dispatch_state, 'done');
      assert.equal((await state('ci5')).dispatch_state, 'queued');
      assert.equal(await messageStore.nextDueAt(q.db, 'int_gone'), null);
    });

    const forCustomer: { name: string; row: Partial<MessagesTable>; cancelled: boolean }[] = [
      { name: 'queued sms', row: { channel: 'sms' }, cancelled: true },
      { name: 'queued mms', row: { channel: 'mms' }, cancelled: true },
      { name: 'queued on a channel not listed', row: { channel: 'whatsapp' }, cancelled: false },
      { name: 'a keyword auto-reply', row: { channel: 'sms', auto_reply: 1 }, cancelled: false },
      { name: 'a claimed one (the dispatcher drops it)', row: { channel: 'sms', dispatch_state: 'sending', claimed_by: 'w1' }, cancelled: false },
      { name: 'a sent one', row: { channel: 'sms', dispatch_state: 'done', status: 'accepted' }, cancelled: false },
      { name: "another customer's", row: { channel: 'sms', customer_ref: 'cus_other' }, cancelled: false },
    ];
    test('cancelQueuedForCustomer: on the channels listed, auto-replies kept', async () => {
      await seed(forCustomer.map((c, i) => messageRow(`cq${i}`, { customer_ref: 'cus_out', ...c.row })));
      const channels: Channel[] = ['sms', 'mms'];
      await messageStore.cancelQueuedForCustomer(q.db, 'cus_out', channels, 4000);
      for (const [i, c] of forCustomer.entries()) {
        const s = await state(`cq${i}`);
        if (c.cancelled) assert.deepEqual(s, { ...untouched, dispatch_state: 'cancelled', last_error: '{"reason":"opted_out"}', updated_at: 4000 }, c.name);
        else assert.equal(s.updated_at, 1000, c.name);
      }
    });
  });

  describe('send outcomes and statuses', () => {
    const accepted = { provider_message_id: 'prov_x', sent_at_us: 1_500_000, parts: 2, attempts: 1, updated_at: 5000 };
    const acceptances: { name: string; from: MessageStatus; want: MessageStatus }[] = [
      { name: 'a pending message is accepted', from: 'pending', want: 'accepted' },
      { name: 'a report that came first is kept: delivered', from: 'delivered', want: 'delivered' },
      { name: 'a report that came first is kept: sent', from: 'sent', want: 'sent' },
      { name: 'a report that came first is kept: failed', from: 'failed', want: 'failed' },
    ];
    for (const c of acceptances) {
      test(`markAccepted: ${c.name}; the send is recorded and the claim let go`, async () => {
        const id = `acc_${c.from}`;
        const before = messageRow(id, { status: c.from, dispatch_state: 'sending', claimed_by: 'w1', last_error: '{"status_code":503}' });
        await messageStore.insert(store.db, before);
        await messageStore.markAccepted(store.db, { id, ...accepted });
        assert.deepEqual(await messageStore.find(store.db, id), { ...before, ...accepted, status: c.want, dispatch_state: 'done', claimed_by: null, last_error: null });
      });
    }

    test('markRetry queues the message again for later, status unchanged', async () => {
      const before = messageRow('retry_1', { dispatch_state: 'sending', claimed_by: 'w1', integration_id: 'int_retry' });
      await messageStore.insert(store.db, before);
      const retry = { next_attempt_at: 8000, attempts: 1, unconfirmed_since: null, last_error: '{"status_code":429}', updated_at: 6000 };
      await messageStore.markRetry(store.db, { id: 'retry_1', ...retry });
      assert.deepEqual(await messageStore.find(store.db, 'retry_1'), { ...before, ...retry, dispatch_state: 'queued', claimed_by: null });
      assert.deepEqual(await messageStore.claimDue(store.db, { integrationId: 'int_retry', worker: 'w1', now: 7999, limit: 10 }), [], 'not due before its time');
      assert.equal(await messageStore.nextDueAt(store.db, 'int_retry'), 8000);
      assert.deepEqual(ids(await messageStore.claimDue(store.db, { integrationId: 'int_retry', worker: 'w1', now: 8000, limit: 10 })), ['retry_1']);
    });

    test('markRefused makes the message refused and done', async () => {
      const before = messageRow('refused_1', { dispatch_state: 'sending', claimed_by: 'w1' });
      await messageStore.insert(store.db, before);
      const refusal = { attempts: 2, sent_at_us: 2_000_000, unconfirmed_since: 1500, last_error: '{"status_code":400}', updated_at: 7000 };
      await messageStore.markRefused(store.db, { id: 'refused_1', ...refusal });
      assert.deepEqual(await messageStore.find(store.db, 'refused_1'), { ...before, ...refusal, status: 'refused', dispatch_state: 'done', claimed_by: null });
    });

    const sizes = [1, 3, 500, 501, 1234];
    for (const size of sizes) {
      test(`setStatus sets the status of ${size} messages, and only theirs`, async () => {
        const rows = Array.from({ length: size }, (_, i) => messageRow(`st${size}_${i}`, { status: 'accepted' }));
        for (const r of rows) await messageStore.insert(store.db, r);
        await messageStore.insert(store.db, messageRow(`st${size}_left`, { status: 'accepted' }));
        await messageStore.setStatus(store.db, 'delivered', [...rows.map((r) => r.id), 'st_unknown'], 9000);
        const after = await messageStore.listByIds(store.db, rows.map((r) => r.id));
        assert.equal(after.length, size);
        assert.ok(after.every((m) => m.status === 'delivered' && m.updated_at === 9000));
        assert.deepEqual(await messageStore.find(store.db, `st${size}_left`), messageRow(`st${size}_left`, { status: 'accepted' }));
      });
    }

    test('setStatus with no ids changes nothing', async () => {
      await messageStore.setStatus(store.db, 'failed', [], 9000);
    });
  });
  test("eraseForCustomer: the provider's free text and the fallback plan go too; codes, reasons and other customers' messages stay", async () => {
    const refused = JSON.stringify({ status_code: 400, error: '21211', comment: "The 'To' number +12025550199 is not a valid phone number." });
    const plan = JSON.stringify({ steps: [{ channel: 'sms', integration_id: 'int_sms' }], body: 'Your code is 1234' });
    await messageStore.insert(store.db, messageRow('msg_er_1', { customer_ref: 'cus_er', recipient: '+12025550199', status: 'failed', dispatch_state: 'done', last_error: refused, fallback_plan: plan }));
    await messageStore.insert(store.db, messageRow('msg_er_2', { customer_ref: 'cus_er', recipient: '+12025550199', dispatch_state: 'queued' }));
    await messageStore.insert(store.db, messageRow('msg_er_3', { customer_ref: 'cus_er', recipient: '+12025550199', status: 'sent', dispatch_state: 'done', last_error: 'not json' }));
    await messageStore.insert(store.db, messageRow('msg_er_other', { customer_ref: 'cus_keep', recipient: '+12025550100', last_error: refused, fallback_plan: plan }));

    assert.equal(await messageStore.eraseForCustomer(store.db, 'cus_er', 'erased_t', 9000), 3);
    const [one, two, three, other] = await Promise.all(['msg_er_1', 'msg_er_2', 'msg_er_3', 'msg_er_other'].map((id) => messageStore.find(store.db, id)));
    assert.deepEqual(JSON.parse(one!.last_error!), { status_code: 400, error: '21211', erased: true });
    assert.equal(one!.fallback_plan, null);
    assert.deepEqual([one!.recipient, one!.body, one!.customer_ref, one!.customer_id], ['', '', 'erased_t', 'erased_t']);
    assert.deepEqual(JSON.parse(two!.last_error!), { reason: 'customer_erased', erased: true });
    assert.equal(two!.dispatch_state, 'cancelled');
    assert.deepEqual(JSON.parse(three!.last_error!), { erased: true });
    assert.deepEqual([other!.last_error, other!.fallback_plan, other!.recipient], [refused, plan, '+12025550100']);
  });
});
