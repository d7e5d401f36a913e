import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createLogger } from '../logger.js';
import * as callbackStore from '../store/callbacks.js';
import { callbackRow, ingestRejectionRow } from '../store/fixtures.js';
import * as rejectionStore from '../store/ingest-rejections.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { Retention } from './retention.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = 100 * DAY;
const logger = createLogger('silent');

let store: TestStore;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(() => store.close());

const callbacksLeft = async () => (await store.db.selectFrom('callbacks').select(['body_hash']).orderBy('id').execute()).map((r) => r.body_hash);
const rejectionsLeft = async (projectId: string) => (await rejectionStore.list(store.db, projectId, { limit: 1000 })).map((r) => r.reason);

test('processed callbacks older than the retention go; pending ones of any age and recent ones stay', async () => {
  const add = async (hash: string, ageDays: number, processed: boolean) => {
    const id = await callbackStore.insert(store.db, callbackRow({ body_hash: hash, received_at: NOW - ageDays * DAY }));
    if (processed) await callbackStore.markProcessed(store.db, [id], { kind: 'processed', updates: ['applied'] }, NOW - ageDays * DAY + 1000);
  };
  for (let i = 0; i < 7; i++) await add(`old-done-${i}`, 30 - i, true);
  await add('old-pending', 20, false);
  await add('old-error', 9, true);
  await add('recent-done', 6, true);
  await add('recent-pending', 1, false);

  const retention = new Retention(store.db, { callbackRetentionDays: 7, ingestRejectionRetentionDays: 0, ingestRejectionsMax: 0 }, logger, { batchSize: 3 });
  assert.deepEqual(await retention.prune(NOW), { callbacks: 8, rejections: 0 }, 'in batches of 3, until none is left');
  assert.deepEqual(await callbacksLeft(), ['old-pending', 'recent-done', 'recent-pending']);
  assert.equal(await callbackStore.countPending(store.db), 2);
  assert.deepEqual(await retention.prune(NOW), { callbacks: 0, rejections: 0 });
});

test('at 0 days nothing is deleted', async () => {
  const id = await callbackStore.insert(store.db, callbackRow({ received_at: 0 }));
  await callbackStore.markProcessed(store.db, [id], { kind: 'processed', updates: [] }, 1);
  await rejectionStore.insert(store.db, ingestRejectionRow({ received_at: 0 }));
  const retention = new Retention(store.db, { callbackRetentionDays: 0, ingestRejectionRetentionDays: 0, ingestRejectionsMax: 0 }, logger);
  assert.deepEqual(await retention.prune(NOW), { callbacks: 0, rejections: 0 });
});

test('ingest rejections go by age, and beyond the cap of each project, the newest kept', async () => {
  for (let i = 0; i < 4; i++) await rejectionStore.insert(store.db, ingestRejectionRow({ project_id: 'prj_1', reason: `old-${i}`, received_at: NOW - 40 * DAY + i }));
  for (let i = 0; i < 8; i++) await rejectionStore.insert(store.db, ingestRejectionRow({ project_id: 'prj_1', reason: `new-${i}`, received_at: NOW - DAY + i }));
  for (let i = 0; i < 3; i++) await rejectionStore.insert(store.db, ingestRejectionRow({ project_id: 'prj_2', reason: `other-${i}`, received_at: NOW - DAY + i }));
  const retention = new Retention(store.db, { callbackRetentionDays: 7, ingestRejectionRetentionDays: 30, ingestRejectionsMax: 5 }, logger, { batchSize: 2 });
  assert.deepEqual(await retention.prune(NOW), { callbacks: 0, rejections: 7 });
  assert.deepEqual(await rejectionsLeft('prj_1'), ['new-3', 'new-4', 'new-5', 'new-6', 'new-7']);
  assert.deepEqual(await rejectionsLeft('prj_2'), ['other-0', 'other-1', 'other-2']);
});

test('a project storing a cap of rejections brings the next round forward', async () => {
  const retention = new Retention(store.db, { callbackRetentionDays: 7, ingestRejectionRetentionDays: 30, ingestRejectionsMax: 3 }, logger, { intervalMs: 60 * 60_000 });
  retention.start();
  try {
    // The first round runs at start; the next would be an hour away.
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 5; i++) await rejectionStore.insert(store.db, ingestRejectionRow({ reason: `r-${i}`, received_at: Date.now() }));
    for (let i = 0; i < 5; i++) retention.rejectionStored('prj_1');
    const deadline = Date.now() + 5000;
    while ((await rejectionStore.count(store.db, 'prj_1')) > 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await rejectionsLeft('prj_1'), ['r-2', 'r-3', 'r-4']);
  } finally {
    await retention.stop();
  }
});
