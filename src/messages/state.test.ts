import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageRow } from '../store/fixtures.js';
import * as messageStore from '../store/messages.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { StatusUpdate } from '../providers/types.js';
import type { MessagesTable } from '../store/schema.js';
import { recordSendResult, ReportBatch } from './state.js';

describe('recordSendResult: a message found past its deadline before its send', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  const lastRetry = JSON.stringify({ status_code: 503, error: 'service_unavailable', comment: 'try later' });
  const cases = [
    {
      name: 'after retries: refused with its last attempt’s error',
      row: { attempts: 2, last_error: lastRetry },
      outcome: { status_code: 503, error: 'service_unavailable', comment: 'try later' },
    },
    {
      name: 'never attempted: refused as deadline_exceeded',
      row: { attempts: 0, last_error: null },
      outcome: { status_code: null, error: 'deadline_exceeded', comment: 'the retry deadline passed before the message could be sent' },
    },
  ];

  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      const m = messageRow(`msg_expired_${i}`, { ...c.row, dispatch_state: 'sending', claimed_by: 'w1', deadline_at: 5000 });
      await messageStore.insert(store.db, m);
      const t = await recordSendResult(store.db, m, { kind: 'expired' }, 6_000_000, {}, DEFAULT_BACKOFF, 6000);
      assert.equal(t, 'refused');
      const row = await store.db.selectFrom('messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
      assert.deepEqual(
        { status: row.status, dispatch_state: row.dispatch_state, claimed_by: row.claimed_by, attempts: row.attempts, sent_at_us: row.sent_at_us, updated_at: row.updated_at },
        { status: 'refused', dispatch_state: 'done', claimed_by: null, attempts: c.row.attempts, sent_at_us: null, updated_at: 6000 },
        'refused, no attempt counted, never sent',
      );
      assert.deepEqual(JSON.parse(row.last_error!), c.outcome);
      const events = await store.db.selectFrom('events').selectAll().where('message_id', '=', m.id).execute();
      assert.equal(events.length, 1);
      assert.equal(events[0]!.status, 'enqueue_failed');
      assert.equal(events[0]!.timestamp, 6000);
      const props = JSON.parse(events[0]!.properties);
      assert.equal(props.status, 'enqueue_failed');
      assert.equal(props.error, c.outcome.error);
      assert.equal(props.sent_timestamp, null);
    });
  }

  test('a retry due before the deadline is still retried; one that would fall after it is refused', async () => {
    const m = messageRow('msg_retry_deadline', { dispatch_state: 'sending', deadline_at: 5000 });
    await messageStore.insert(store.db, m);
    const retry = { kind: 'retry', statusCode: 503, error: 'service_unavailable', comment: 'x' } as const;
    assert.equal(await recordSendResult(store.db, m, retry, 1_000_000, {}, { baseMs: 10, maxMs: 10, factor: 1, unconfirmedWaitMs: 0 }, 1000), 'retry');
    assert.equal(await recordSendResult(store.db, m, retry, 1_000_000, {}, { baseMs: 200_000, maxMs: 200_000, factor: 1, unconfirmedWaitMs: 0 }, 1000), 'refused');
  });
});

describe('unknown outcomes: a send that may have reached the provider', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  const policy = { baseMs: 10, maxMs: 10, factor: 1, unconfirmedWaitMs: 30_000 };
  const timeout = { kind: 'unknown', statusCode: null, error: 'UND_ERR_HEADERS_TIMEOUT', comment: 'Headers Timeout Error' } as const;
  const row = (id: string) => store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = async (id: string) => (await store.db.selectFrom('events').selectAll().where('message_id', '=', id).orderBy('id').execute()).map((e) => [e.status, e.timestamp]);
  const insert = async (id: string, over: Partial<MessagesTable> = {}) => {
    const m = messageRow(id, { dispatch_state: 'sending', claimed_by: 'w1', deadline_at: 1_000_000, ...over });
    await messageStore.insert(store.db, m);
    return m;
  };
  const report = (status: StatusUpdate['status'], over: Partial<StatusUpdate> = {}): StatusUpdate => ({
    kind: 'status', messageId: null, providerMessageId: 'batch_9', recipient: null, status, providerStatus: status, statusCode: null, error: null, comment: null, occurredAt: new Date(3000), ...over,
  });
  const applyReports = async (m: MessagesTable, ...updates: StatusUpdate[]) => {
    const batch = new ReportBatch(store.db);
    const outcomes = [];
    for (const u of updates) outcomes.push(await batch.apply(m, u, 4000, {}));
    await batch.flush(4000);
    return outcomes;
  };

  test('is neither refused nor simply retried: the attempt counts, and the next waits for proof', async () => {
    const m = await insert('unk_1');
    assert.equal(await recordSendResult(store.db, m, timeout, 1_000_000, {}, policy, 1000), 'retry');
    const r = await row('unk_1');
    assert.deepEqual(
      { status: r.status, dispatch_state: r.dispatch_state, attempts: r.attempts, unconfirmed_since: r.unconfirmed_since, possible_duplicate: r.possible_duplicate, sent_at_us: r.sent_at_us },
      { status: 'pending', dispatch_state: 'queued', attempts: 1, unconfirmed_since: 1000, possible_duplicate: 0, sent_at_us: null },
    );
    assert.ok(r.next_attempt_at >= 1000 + 30_000, `waits for a report before trying again (${r.next_attempt_at})`);
    assert.deepEqual(await events('unk_1'), [], 'no event: nothing is known yet');
  });

  test('a later unknown outcome keeps the first unconfirmed moment; a plain retry does not clear it', async () => {
    const m = await insert('unk_2', { attempts: 1, unconfirmed_since: 500 });
    await recordSendResult(store.db, m, timeout, 2_000_000, {}, policy, 2000);
    assert.equal((await row('unk_2')).unconfirmed_since, 500);
    const again = { ...(await row('unk_2')), dispatch_state: 'sending' as const };
    await recordSendResult(store.db, again, { kind: 'retry', statusCode: 503, error: 'service_unavailable', comment: '' }, 3_000_000, {}, policy, 3000);
    assert.deepEqual([(await row('unk_2')).attempts, (await row('unk_2')).unconfirmed_since], [3, 500]);
  });

  test('out of time, it is refused but stays unconfirmed, and a report proving acceptance still counts', async () => {
    const m = await insert('unk_3', { deadline_at: 10_000 });
    assert.equal(await recordSendResult(store.db, m, timeout, 1_000_000, {}, policy, 1000), 'refused');
    const refused = await row('unk_3');
    assert.deepEqual([refused.status, refused.unconfirmed_since], ['refused', 1000]);
    assert.deepEqual(await events('unk_3'), [['enqueue_failed', 1000]]);

    const outcomes = await applyReports(refused, report('sent'), report('delivered'));
    assert.deepEqual(outcomes, ['applied', 'applied']);
    const r = await row('unk_3');
    assert.deepEqual([r.status, r.dispatch_state, r.provider_message_id, r.sent_at_us, r.unconfirmed_since], ['delivered', 'done', 'batch_9', 1_000_000, null]);
    assert.deepEqual(await events('unk_3'), [['enqueue_failed', 1000], ['enqueued', 1000], ['sent', 3000], ['delivered', 3000]]);
  });

  test('a refusal the hub was sure of stays terminal', async () => {
    const m = await insert('unk_4');
    await recordSendResult(store.db, m, { kind: 'refused', statusCode: 400, error: 'syntax_invalid', comment: '' }, 1_000_000, {}, policy, 1000);
    assert.deepEqual(await applyReports(await row('unk_4'), report('delivered')), ['terminal']);
  });

  test('a report naming a queued unconfirmed message confirms it: no second send', async () => {
    const m = await insert('unk_5');
    await recordSendResult(store.db, m, timeout, 1_000_000, {}, policy, 1000);
    assert.deepEqual(await applyReports(await row('unk_5'), report('delivered')), ['applied']);
    const r = await row('unk_5');
    assert.deepEqual([r.status, r.dispatch_state, r.attempts], ['delivered', 'done', 1]);
    assert.deepEqual(await messageStore.claimDue(store.db, { integrationId: r.integration_id, worker: 'w1', now: 10_000_000, limit: 100 }).then((rows) => rows.filter((x) => x.id === 'unk_5')), []);
    assert.deepEqual(await events('unk_5'), [['enqueued', 1000], ['delivered', 3000]]);
  });

  test('a report for an unconfirmed message being sent again waits for that send', async () => {
    const m = await insert('unk_6', { attempts: 1, unconfirmed_since: 1000 });
    assert.deepEqual(await applyReports(m, report('delivered')), ['defer']);
    assert.deepEqual(await events('unk_6'), []);
  });

  test('confirmed by a lookup: accepted as of the unanswered attempt, no attempt added', async () => {
    const m = await insert('unk_7', { attempts: 1, unconfirmed_since: 1000 });
    assert.equal(await recordSendResult(store.db, m, { kind: 'confirmed', providerMessageId: 'batch_7' }, 9_000_000, {}, policy, 9000), 'accepted');
    const r = await row('unk_7');
    assert.deepEqual([r.status, r.dispatch_state, r.attempts, r.provider_message_id, r.sent_at_us, r.unconfirmed_since], ['accepted', 'done', 1, 'batch_7', 1_000_000, null]);
    assert.deepEqual(await events('unk_7'), [['enqueued', 1000]]);
  });

  test('a lookup that could not tell: asked again later, no attempt added; past the deadline, refused with the last error', async () => {
    const lastError = JSON.stringify({ status_code: null, error: 'UND_ERR_HEADERS_TIMEOUT', comment: 'Headers Timeout Error' });
    const m = await insert('unk_8', { attempts: 1, unconfirmed_since: 1000, last_error: lastError, deadline_at: 100_000 });
    const lookupFailed = { kind: 'unconfirmed', error: 'http_503', comment: 'list batches answered HTTP 503' } as const;
    assert.equal(await recordSendResult(store.db, m, lookupFailed, 2_000_000, {}, policy, 2000), 'retry');
    const r = await row('unk_8');
    assert.deepEqual([r.dispatch_state, r.attempts, r.unconfirmed_since, r.last_error], ['queued', 1, 1000, lastError]);
    assert.ok(r.next_attempt_at >= 32_000);
    assert.equal(await recordSendResult(store.db, { ...r, dispatch_state: 'sending' }, lookupFailed, 90_000_000, {}, policy, 90_000), 'refused');
    const refused = await row('unk_8');
    assert.deepEqual([refused.status, refused.attempts, refused.unconfirmed_since], ['refused', 1, 1000]);
    assert.deepEqual(JSON.parse(refused.last_error!).error, 'UND_ERR_HEADERS_TIMEOUT');
  });
});
