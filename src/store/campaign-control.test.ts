// The store side of campaign control: conditional state changes, moving a campaign's waiting
// messages, cancels that never touch a send under way, messages returning to the queue while
// their campaign is paused, the scheduler's due list, and the frequency cap's count.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { idFloor } from '../core/ids.js';
import * as campaignStore from './campaigns.js';
import { inTransaction } from './db.js';
import { campaignRow, messageRow, projectRow } from './fixtures.js';
import * as messageStore from './messages.js';
import * as projectStore from './projects.js';
import type { DispatchState } from './schema.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`campaign control in the store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
  });
  after(() => store.close());

  const states = async (campaignId: string) =>
    Object.fromEntries((await store.db.selectFrom('messages').select(['id', 'dispatch_state']).where('campaign_id', '=', campaignId).execute()).map((r) => [r.id, r.dispatch_state]));

  test('transition moves only from the states named', async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_t', 'prj_1', { state: 'scheduled', send_at: 5 }));
    assert.equal(await campaignStore.transition(store.db, 'cmp_t', ['draft'], { state: 'launching' }), false);
    assert.equal(await campaignStore.stateOf(store.db, 'cmp_t'), 'scheduled');
    assert.equal(await campaignStore.transition(store.db, 'cmp_t', ['draft', 'scheduled'], { state: 'launching' }), true);
    assert.equal(await campaignStore.transition(store.db, 'cmp_t', ['scheduled'], { state: 'launching' }), false, 'a second taker loses');
    assert.equal(await campaignStore.stateOf(store.db, 'cmp_none'), undefined);
  });

  // A cancel (or pause) that committed while a fan-out chunk was still open would miss that
  // chunk's messages, and they would be sent for a cancelled campaign.
  for (const stop of ['paused', 'cancelled'] as const) {
    test(`a fan-out chunk's state read holds off a ${stop === 'paused' ? 'pause' : 'cancel'} until the chunk commits, which then finds its messages`, async () => {
      const id = `cmp_hold_${stop}`;
      await campaignStore.insert(store.db, campaignRow(id, 'prj_1', { state: 'launching' }));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let started!: () => void;
      const chunkStarted = new Promise<void>((r) => (started = r));
      const chunk = inTransaction(store.db, async (trx) => {
        assert.equal(await campaignStore.stateForFanOut(trx, id), 'launching');
        await messageStore.insertForCampaign(trx, [messageRow(`msg_${id}`, { campaign_id: id, message_type: 'campaign', customer_ref: `cus_${id}` })]);
        started();
        await held;
      });
      await chunkStarted;
      let stopDone = false;
      const stopping = inTransaction(store.db, async (trx) => {
        assert.equal(await campaignStore.transition(trx, id, ['launching'], { state: stop }), true);
        return stop === 'paused' ? messageStore.moveCampaignMessages(trx, id, 'queued', 'paused', 9) : messageStore.cancelQueuedOfCampaign(trx, id, 9);
      }).finally(() => (stopDone = true));
      await new Promise((r) => setTimeout(r, 300));
      const waited = !stopDone;
      release();
      await chunk;
      assert.ok(waited, `the ${stop} waits for the open chunk`);
      assert.equal(await stopping, 1, `the ${stop} takes the chunk's message`);
      assert.deepEqual(await states(id), { [`msg_${id}`]: stop === 'paused' ? 'paused' : 'cancelled' });
    });
  }

  test('the due list: scheduled campaigns whose time has come, earliest first', async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_d2', 'prj_1', { state: 'scheduled', send_at: 2000 }));
    await campaignStore.insert(store.db, campaignRow('cmp_d1', 'prj_1', { state: 'scheduled', send_at: 1000 }));
    await campaignStore.insert(store.db, campaignRow('cmp_d3', 'prj_1', { state: 'scheduled', send_at: 9000 }));
    await campaignStore.insert(store.db, campaignRow('cmp_dx', 'prj_1', { state: 'draft', send_at: 500 }));
    assert.deepEqual((await campaignStore.listDueScheduled(store.db, 2000, 10)).map((c) => c.id), ['cmp_d1', 'cmp_d2']);
    assert.equal(await campaignStore.nextScheduledAt(store.db), 1000);
  });

  test('pause and resume move waiting messages only; cancel takes queued and paused, never sending or done', async () => {
    const rows: [string, DispatchState][] = [
      ['msg_c1', 'queued'],
      ['msg_c2', 'queued'],
      ['msg_c3', 'sending'],
      ['msg_c4', 'done'],
      ['msg_c5', 'cancelled'],
    ];
    for (const [id, dispatch_state] of rows) {
      await messageStore.insert(store.db, messageRow(id, { campaign_id: 'cmp_p', message_type: 'campaign', customer_ref: `cus_${id}`, dispatch_state }));
    }
    await messageStore.insert(store.db, messageRow('msg_other', { campaign_id: 'cmp_q', message_type: 'campaign' }));
    assert.equal(await messageStore.moveCampaignMessages(store.db, 'cmp_p', 'queued', 'paused', 5), 2);
    assert.deepEqual(await states('cmp_p'), { msg_c1: 'paused', msg_c2: 'paused', msg_c3: 'sending', msg_c4: 'done', msg_c5: 'cancelled' });
    assert.deepEqual(await states('cmp_q'), { msg_other: 'queued' }, 'another campaign is untouched');
    const claimed = await messageStore.claimDue(store.db, { integrationId: 'int_1', worker: 'w', now: Date.now(), limit: 10 });
    assert.deepEqual(claimed.map((m) => m.id), ['msg_other'], 'paused messages are not claimed');
    assert.equal(await messageStore.moveCampaignMessages(store.db, 'cmp_p', 'paused', 'queued', 6), 2);
    await messageStore.moveCampaignMessages(store.db, 'cmp_p', 'queued', 'paused', 7);
    await messageStore.insert(store.db, messageRow('msg_c6', { campaign_id: 'cmp_p', message_type: 'campaign', customer_ref: 'cus_c6' }));
    // Retrying after an attempt whose outcome is unknown: it may be at the provider.
    await messageStore.insert(store.db, messageRow('msg_c7', { campaign_id: 'cmp_p', message_type: 'campaign', customer_ref: 'cus_c7', attempts: 1, unconfirmed_since: 3 }));
    assert.equal(await messageStore.cancelQueuedOfCampaign(store.db, 'cmp_p', 8), 3);
    assert.deepEqual(await states('cmp_p'), { msg_c1: 'cancelled', msg_c2: 'cancelled', msg_c3: 'sending', msg_c4: 'done', msg_c5: 'cancelled', msg_c6: 'cancelled', msg_c7: 'queued' });
    const c1 = await messageStore.find(store.db, 'msg_c1');
    assert.deepEqual(JSON.parse(c1!.last_error!), { reason: 'campaign_cancelled' });
    assert.equal((await messageStore.find(store.db, 'msg_c3'))!.last_error, null);
  });

  test("a message back from a sender (a retry, a claim handed back, a restart) waits as paused while its campaign is paused", async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_r', 'prj_1', { state: 'paused' }));
    for (const id of ['msg_r1', 'msg_r2', 'msg_r3']) {
      await messageStore.insert(store.db, messageRow(id, { campaign_id: 'cmp_r', message_type: 'campaign', customer_ref: `cus_${id}`, dispatch_state: 'sending', claimed_by: 'w' }));
    }
    await messageStore.insert(store.db, messageRow('msg_rt', { dispatch_state: 'sending', claimed_by: 'w', customer_ref: 'cus_rt' }));
    await messageStore.markRetry(store.db, { id: 'msg_r1', next_attempt_at: 10, attempts: 1, unconfirmed_since: null, last_error: null, updated_at: 10 });
    await messageStore.markRetry(store.db, { id: 'msg_rt', next_attempt_at: 10, attempts: 1, unconfirmed_since: null, last_error: null, updated_at: 10 });
    await messageStore.releaseClaims(store.db, ['msg_r2']);
    await messageStore.requeueInterrupted(store.db, 11);
    assert.deepEqual(await states('cmp_r'), { msg_r1: 'paused', msg_r2: 'paused', msg_r3: 'paused' });
    assert.equal((await messageStore.find(store.db, 'msg_rt'))!.dispatch_state, 'queued', 'a transactional one is queued');
    await campaignStore.transition(store.db, 'cmp_r', ['paused'], { state: 'launched' });
    await messageStore.insert(store.db, messageRow('msg_r4', { campaign_id: 'cmp_r', message_type: 'campaign', customer_ref: 'cus_r4', dispatch_state: 'sending' }));
    await messageStore.releaseClaims(store.db, ['msg_r4']);
    assert.equal((await messageStore.find(store.db, 'msg_r4'))!.dispatch_state, 'queued', 'resumed: queued');
  });

  test('claimed messages of a cancelled campaign whose request never started are found at start', async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_k', 'prj_1', { state: 'cancelled' }));
    await campaignStore.insert(store.db, campaignRow('cmp_live', 'prj_1', { state: 'launched' }));
    await messageStore.insert(store.db, messageRow('msg_k1', { campaign_id: 'cmp_k', message_type: 'campaign', customer_ref: 'cus_k1', dispatch_state: 'sending' }));
    await messageStore.insert(store.db, messageRow('msg_k2', { campaign_id: 'cmp_k', message_type: 'campaign', customer_ref: 'cus_k2', dispatch_state: 'sending', request_started_at: 5 }));
    await messageStore.insert(store.db, messageRow('msg_k3', { campaign_id: 'cmp_live', message_type: 'campaign', customer_ref: 'cus_k3', dispatch_state: 'sending' }));
    await messageStore.insert(store.db, messageRow('msg_k4', { campaign_id: 'cmp_k', message_type: 'campaign', customer_ref: 'cus_k4', dispatch_state: 'queued' }));
    assert.deepEqual((await messageStore.claimedOfCancelledCampaigns(store.db)).map((m) => m.id), ['msg_k1']);
  });

  test('customersAtCap counts campaign messages since the floor, other campaigns only, not cancelled or refused', async () => {
    const t0 = Date.now();
    const old = idFloor('msg', t0 - 10 * 86_400_000) + 'a'.repeat(16);
    const recent = (n: number) => idFloor('msg', t0 - 3600_000) + String(n).padStart(16, '0');
    const rows = [
      // cus_a: two recent campaign messages: at a cap of 2.
      messageRow(recent(1), { customer_ref: 'cus_a', campaign_id: 'cmp_1', message_type: 'campaign' }),
      messageRow(recent(2), { customer_ref: 'cus_a', campaign_id: 'cmp_2', message_type: 'campaign', dispatch_state: 'done', status: 'delivered' }),
      // cus_b: one recent, one too old, transactional ones, a cancelled and a refused one.
      messageRow(recent(3), { customer_ref: 'cus_b', campaign_id: 'cmp_1', message_type: 'campaign' }),
      messageRow(old, { customer_ref: 'cus_b', campaign_id: 'cmp_3', message_type: 'campaign' }),
      messageRow(recent(4), { customer_ref: 'cus_b' }),
      messageRow(recent(5), { customer_ref: 'cus_b' }),
      messageRow(recent(6), { customer_ref: 'cus_b', campaign_id: 'cmp_4', message_type: 'campaign', dispatch_state: 'cancelled' }),
      messageRow(recent(7), { customer_ref: 'cus_b', campaign_id: 'cmp_5', message_type: 'campaign', dispatch_state: 'done', status: 'refused' }),
      // cus_c: two of the campaign being launched (a resumed launch): they do not count.
      messageRow(recent(8), { customer_ref: 'cus_c', campaign_id: 'cmp_now', message_type: 'campaign' }),
      messageRow(recent(9), { customer_ref: 'cus_c', campaign_id: 'cmp_1', message_type: 'campaign' }),
    ];
    for (const r of rows) await messageStore.insert(store.db, r);
    const floor = idFloor('msg', t0 - 86_400_000);
    assert.deepEqual([...(await messageStore.customersAtCap(store.db, ['cus_a', 'cus_b', 'cus_c', 'cus_none'], floor, 'cmp_now', 2))], ['cus_a']);
    assert.deepEqual([...(await messageStore.customersAtCap(store.db, ['cus_a', 'cus_b', 'cus_c'], floor, 'cmp_now', 1))].sort(), ['cus_a', 'cus_b', 'cus_c']);
    assert.deepEqual([...(await messageStore.customersAtCap(store.db, [], floor, 'cmp_now', 1))], []);
  });
});
