// Channel fallback against the store, on SQLite and PostgreSQL: reports applied through the
// report batch and refusals through recordSendResult, in sequences with duplicates and reorders.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StatusUpdate } from '../providers/types.js';
import * as consentStore from '../store/consents.js';
import { inTransaction } from '../store/db.js';
import { messageRow } from '../store/fixtures.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';
import { storeBackends, type TestStore } from '../store/testing.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { FallbackPlan } from './fallback.js';
import { fallbackRow } from './fallback-queue.js';
import { recordSendResult, ReportBatch } from './state.js';

const plan: FallbackPlan = {
  steps: [
    { channel: 'rcs', integration_id: 'int_conv', sender: null, sender_profile_id: null, retry_deadline_seconds: 600 },
    { channel: 'sms', integration_id: 'int_sms', sender: 'Shop', sender_profile_id: 'sp_1', retry_deadline_seconds: 300 },
  ],
  body: 'Your code is 1234',
};

for (const backend of await storeBackends()) describe(`channel fallback in the store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
  });
  after(() => store.close());

  let n = 0;
  const insert = async (over: Partial<MessagesTable> = {}) => {
    const m = messageRow(`msg_fb_${backend.kind}_${++n}`, {
      channel: 'whatsapp',
      integration_id: 'int_conv',
      content: '{"type":"text","text":"Your code is 1234"}',
      body: 'Your code is 1234',
      status: 'accepted',
      dispatch_state: 'done',
      sent_at_us: Date.now() * 1000,
      provider_message_id: `prov_${n}`,
      fallback_plan: JSON.stringify(plan),
      idempotency_key: `key_${backend.kind}_${n}`,
      ...over,
    });
    await messageStore.insert(store.db, m);
    return m;
  };
  const report = (status: StatusUpdate['status'], unreachable = false): StatusUpdate => ({
    kind: 'status', messageId: null, providerMessageId: null, recipient: null, status, providerStatus: status, statusCode: null,
    error: unreachable ? 'RECIPIENT_NOT_REACHABLE' : null, comment: null, occurredAt: null, ...(unreachable ? { unreachable: true } : {}),
  });
  /** Applies each batch of reports in its own transaction, as the processor does, re-reading the message each time. */
  const apply = async (id: string, ...batches: StatusUpdate[][]) => {
    const woken: string[] = [];
    for (const updates of batches) {
      await inTransaction(store.db, async (trx) => {
        const m = (await messageStore.find(trx, id))!;
        const batch = new ReportBatch(trx);
        for (const u of updates) await batch.apply(m, u, Date.now(), {});
        await batch.flush();
        woken.push(...batch.fallbackIntegrations);
      });
    }
    return woken;
  };
  const fallbacksOf = (id: string) => store.db.selectFrom('messages').selectAll().where('fallback_of', '=', id).execute();
  const eventsOf = async (id: string) => (await store.db.selectFrom('events').select('status').where('message_id', '=', id).orderBy('id').execute()).map((e) => e.status);

  const sequences: { name: string; batches: [StatusUpdate['status'], boolean][][]; fallbacks: number; status: string }[] = [
    { name: 'sent, then an unreachable failure', batches: [[['sent', false]], [['failed', true]]], fallbacks: 1, status: 'failed' },
    { name: 'the failure twice, in separate batches', batches: [[['failed', true]], [['failed', true]]], fallbacks: 1, status: 'failed' },
    { name: 'the failure twice in one batch', batches: [[['failed', true], ['failed', true]]], fallbacks: 1, status: 'failed' },
    { name: 'failed, then a late sent', batches: [[['failed', true]], [['sent', false]]], fallbacks: 1, status: 'failed' },
    { name: 'failed, then delivered', batches: [[['failed', true]], [['delivered', false]]], fallbacks: 1, status: 'failed' },
    { name: 'delivered, then a late failure', batches: [[['delivered', false]], [['failed', true]]], fallbacks: 0, status: 'delivered' },
    { name: 'delivered and the failure in one batch', batches: [[['delivered', false], ['failed', true]]], fallbacks: 0, status: 'delivered' },
    { name: 'read, then a rejection', batches: [[['read', false]], [['rejected', true]]], fallbacks: 0, status: 'read' },
    { name: 'a failure that does not mean unreachable', batches: [[['failed', false]], [['failed', true]]], fallbacks: 0, status: 'failed' },
  ];
  for (const s of sequences) {
    test(`reports: ${s.name}`, async () => {
      const m = await insert();
      await apply(m.id, ...s.batches.map((b) => b.map(([status, unreachable]) => report(status, unreachable))));
      const fallbacks = await fallbacksOf(m.id);
      assert.equal(fallbacks.length, s.fallbacks, 'fallbacks');
      assert.equal((await messageStore.find(store.db, m.id))!.status, s.status, 'the first message keeps its own status');
    });
  }

  test('the fallback: the next channel, its integration and sender, the same text, queued with the rest of the plan; the failure stays recorded', async () => {
    const m = await insert();
    const woken = await apply(m.id, [report('sent')], [report('failed', true)]);
    const [f] = await fallbacksOf(m.id);
    assert.ok(f);
    assert.deepEqual(woken, ['int_conv']);
    assert.deepEqual(
      [f.channel, f.integration_id, f.body, JSON.parse(f.content!), f.status, f.dispatch_state, f.customer_ref, f.recipient, f.idempotency_key, f.attempts],
      ['rcs', 'int_conv', 'Your code is 1234', { type: 'text', text: 'Your code is 1234' }, 'pending', 'queued', m.customer_ref, m.recipient, null, 0],
    );
    assert.deepEqual(JSON.parse(f.fallback_plan!), { steps: [plan.steps[1]], body: plan.body });
    assert.deepEqual(await eventsOf(m.id), ['sent', 'failed']);
    assert.deepEqual(await eventsOf(f.id), [], 'the fallback makes its own events once it is sent');
    // The fallback fails on RCS in turn: SMS, the last in the plan, with no plan left.
    await inTransaction(store.db, (trx) => messageStore.markAccepted(trx, { id: f.id, provider_message_id: 'prov_rcs', sent_at_us: Date.now() * 1000, parts: 1, attempts: 1, updated_at: Date.now() }));
    await apply(f.id, [report('failed', true)]);
    const [sms] = await fallbacksOf(f.id);
    assert.deepEqual([sms?.channel, sms?.integration_id, sms?.sender, sms?.sender_profile_id, sms?.content, sms?.fallback_plan], ['sms', 'int_sms', 'Shop', 'sp_1', null, null]);
    await inTransaction(store.db, (trx) => messageStore.markAccepted(trx, { id: sms!.id, provider_message_id: 'prov_sms', sent_at_us: Date.now() * 1000, parts: 1, attempts: 1, updated_at: Date.now() }));
    await apply(sms!.id, [report('failed', true)]);
    assert.equal((await fallbacksOf(sms!.id)).length, 0, 'nothing left to try');
  });

  test('consent: a channel the customer opted out of is passed over, and why is recorded', async () => {
    const m = await insert({ customer_ref: `cus_optout_${backend.kind}` });
    await consentStore.set(store.db, { projectId: m.project_id, customerRef: m.customer_ref, channel: 'rcs', optedOut: true, now: 1 });
    await apply(m.id, [report('failed', true)]);
    const [f] = await fallbacksOf(m.id);
    assert.equal(f?.channel, 'sms');
    assert.deepEqual(JSON.parse((await messageStore.find(store.db, m.id))!.fallback_skipped!), [{ channel: 'rcs', reason: 'opted_out' }]);

    const all = await insert({ customer_ref: `cus_optout_all_${backend.kind}` });
    for (const channel of ['rcs', 'sms'] as const) await consentStore.set(store.db, { projectId: m.project_id, customerRef: all.customer_ref, channel, optedOut: true, now: 1 });
    await apply(all.id, [report('failed', true)]);
    assert.equal((await fallbacksOf(all.id)).length, 0);
    assert.deepEqual(JSON.parse((await messageStore.find(store.db, all.id))!.fallback_skipped!).map((s: { channel: string }) => s.channel), ['rcs', 'sms']);
  });

  test('a refused send falls back when the refusal says unreachable, not otherwise', async () => {
    const refuse = async (unreachable: boolean) => {
      const m = await insert({ status: 'pending', dispatch_state: 'sending', sent_at_us: null, provider_message_id: null });
      await inTransaction(store.db, (trx) =>
        recordSendResult(trx, m, { kind: 'refused', statusCode: 400, error: '21635', comment: 'landline', ...(unreachable ? { unreachable: true } : {}) }, Date.now() * 1000, {}, DEFAULT_BACKOFF),
      );
      return { m, fallbacks: await fallbacksOf(m.id) };
    };
    const yes = await refuse(true);
    assert.deepEqual(yes.fallbacks.map((f) => f.channel), ['rcs']);
    assert.deepEqual(await eventsOf(yes.m.id), ['enqueued_failed'], 'the refusal stays recorded');
    assert.equal((await refuse(false)).fallbacks.length, 0);
  });

  test('the store keeps one fallback per message, whoever inserts it', async () => {
    const m = await insert();
    const a = fallbackRow(m, plan.steps[0]!, { steps: [], body: plan.body }, Date.now());
    const b = fallbackRow(m, plan.steps[1]!, { steps: [], body: plan.body }, Date.now());
    assert.equal(await messageStore.insertFallback(store.db, a), true);
    assert.equal(await messageStore.insertFallback(store.db, b), false);
    assert.deepEqual((await fallbacksOf(m.id)).map((f) => f.id), [a.id]);
    assert.equal((await messageStore.find(store.db, m.id))?.fallback_message_id, a.id, 'the first message names its fallback');
    assert.equal((await messageStore.find(store.db, a.id))?.fallback_message_id, null);
    // First messages have no link: any number of them.
    await insert();
    await insert();
  });
});
