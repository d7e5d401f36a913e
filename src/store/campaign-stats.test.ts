import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as stats from './campaign-stats.js';
import { eventRow, seedEvents } from './fixtures.js';
import { storeBackends, type TestStore } from './testing.js';

const ev = (campaign: string, message: string | null, status: string, over: Record<string, unknown> = {}) =>
  eventRow({ campaign_id: campaign, message_id: message, status, ...over });

for (const backend of await storeBackends()) describe(`campaign stats store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => (store = await backend.open()));
  after(() => store.close());

  test('reach counts a message for every stage up to the furthest its events reached', async () => {
    await seedEvents(store.db, [
      // m1: the whole way, clicked twice.
      ev('c1', 'm1', 'enqueued'), ev('c1', 'm1', 'sent'), ev('c1', 'm1', 'delivered'), ev('c1', 'm1', 'clicked'), ev('c1', 'm1', 'clicked'),
      // m2: delivered without a sent report (Sinch often skips it).
      ev('c1', 'm2', 'enqueued'), ev('c1', 'm2', 'delivered'),
      // m3: sent, then failed: it was sent.
      ev('c1', 'm3', 'enqueued'), ev('c1', 'm3', 'sent'), ev('c1', 'm3', 'failed'),
      // m4: refused, never accepted.
      ev('c1', 'm4', 'enqueue_failed'),
      // m5: a rejection report with no enqueued event before it (report first): accepted.
      ev('c1', 'm5', 'rejected'),
      // m6: read on WhatsApp.
      ev('c1', 'm6', 'enqueued'), ev('c1', 'm6', 'read'),
      // Not this campaign, or no message.
      ev('c2', 'm7', 'delivered'), ev('c1', null, 'incoming_message'),
    ]);
    assert.deepEqual(await stats.reach(store.db, 'c1'), { accepted: 5, sent: 4, delivered: 3, read: 1, clicked: 1 });
    assert.deepEqual(await stats.reach(store.db, 'nothing'), { accepted: 0, sent: 0, delivered: 0, read: 0, clicked: 0 });
  });

  test('failures group by status and provider error, most frequent first', async () => {
    const props = (o: object) => ({ properties: JSON.stringify(o) });
    await seedEvents(store.db, [
      ev('f1', 'a', 'failed', props({ status_code: 150, error: 'Failed' })),
      ev('f1', 'b', 'failed', props({ status_code: 150, error: 'Failed' })),
      ev('f1', 'c', 'rejected', props({ status_code: 61 })),
      ev('f1', 'd', 'enqueue_failed', props({ status_code: 400, error: 'syntax_invalid_parameter_format', comment: 'x' })),
      ev('f1', 'e', 'delivered', props({ status_code: 0 })),
    ]);
    assert.deepEqual(await stats.failures(store.db, 'f1', ['enqueue_failed', 'failed', 'rejected']), [
      { status: 'failed', status_code: 150, error: 'Failed', n: 2 },
      { status: 'enqueue_failed', status_code: 400, error: 'syntax_invalid_parameter_format', n: 1 },
      { status: 'rejected', status_code: 61, error: null, n: 1 },
    ]);
  });

  test('perMinute buckets events by the minute they happened, in [from, to)', async () => {
    const t = Date.parse('2026-12-04T10:00:00Z');
    await seedEvents(store.db, [
      ev('s1', 'a', 'sent', { timestamp: t }),
      ev('s1', 'b', 'sent', { timestamp: t + 59_999 }),
      ev('s1', 'a', 'delivered', { timestamp: t + 60_000 }),
      ev('s1', 'c', 'sent', { timestamp: t + 120_000 }),
      ev('s1', 'd', 'sent', { timestamp: t - 1 }),
    ]);
    const rows = await stats.perMinute(store.db, 's1', ['sent', 'delivered'], t, t + 120_000);
    assert.deepEqual(rows.sort((a, b) => a.minute - b.minute || a.status.localeCompare(b.status)), [
      { minute: t, status: 'sent', n: 2 },
      { minute: t + 60_000, status: 'delivered', n: 1 },
    ]);
    assert.deepEqual(await stats.eventSpan(store.db, 's1'), { first: t - 1, last: t + 120_000 });
    assert.equal(await stats.eventSpan(store.db, 'none'), null);
  });
});
