import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageRow } from '../store/fixtures.js';
import * as messageStore from '../store/messages.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { recordSendResult } from './state.js';

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
    assert.equal(await recordSendResult(store.db, m, retry, 1_000_000, {}, { baseMs: 10, maxMs: 10, factor: 1 }, 1000), 'retry');
    assert.equal(await recordSendResult(store.db, m, retry, 1_000_000, {}, { baseMs: 200_000, maxMs: 200_000, factor: 1 }, 1000), 'refused');
  });
});
