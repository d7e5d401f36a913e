import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as campaignStore from '../store/campaigns.js';
import * as customerStore from '../store/customers.js';
import { campaignRow, customerRow, projectRow } from '../store/fixtures.js';
import * as projectStore from '../store/projects.js';
import { storeBackends, type TestStore } from '../store/testing.js';
import { eachAudienceChunk, prepareAudience } from './audiences.js';

for (const backend of await storeBackends()) describe(`eachAudienceChunk: an audience in bounded chunks, each in its own transaction (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    for (let i = 0; i < 23; i++) {
      await customerStore.insert(store.db, customerRow(`cus_${String(i).padStart(2, '0')}`, 'prj_1', { customer_id: `k${i}`, attributes: JSON.stringify({ n: i }) }));
    }
  });
  after(() => store.close());

  async function chunksOf(audience: { customer_ids?: string[]; filter?: unknown }, size: number, perTransaction = size * 2, lanes = 1) {
    const prepared = await prepareAudience(store.db, 'prj_1', 'sms', audience);
    const id = `cmp_${Math.random().toString(36).slice(2)}`;
    await campaignStore.insert(store.db, campaignRow(id, 'prj_1', { audience: prepared.definition }));
    await prepared.write(store.db, id);
    const campaign = (await campaignStore.find(store.db, 'prj_1', id))!;
    const chunks: { ids: string[]; unknown: number; inTransaction: boolean }[] = [];
    const transactions = new Set<unknown>();
    let commits = 0;
    await eachAudienceChunk(store.db, campaign, async (trx, c) => {
      chunks.push({ ids: c.customers.map((x) => x.customer_id), unknown: c.unknown, inTransaction: trx.isTransaction });
      transactions.add(trx);
    }, () => commits++, undefined, { perTransaction, perPage: size }, lanes);
    assert.equal(commits, transactions.size, 'afterCommit once per transaction');
    // On PostgreSQL a page is a window of customers and may hold fewer (see pageFilter): the
    // page sizes and their count are SQLite's.
    if (lanes === 1 && backend.kind === 'sqlite') assert.equal(commits, Math.ceil(chunks.length / (perTransaction / size)), `${perTransaction / size} pages per transaction`);
    return chunks;
  }

  // 23 customers: a list of 6 ids or more (a quarter of them) is read in customer order, a shorter one in list order.
  const cases: { name: string; audience: { customer_ids?: string[]; filter?: unknown }; size: number; sizes: number[]; total: number; unknown: number; order?: string[] }[] = [
    { name: 'a filter, pages of 5', audience: { filter: { attribute: 'n', op: 'lt', value: 12 } }, size: 5, sizes: [5, 5, 2], total: 12, unknown: 0 },
    { name: 'a filter, an exact multiple of the page', audience: { filter: { attribute: 'n', op: 'lt', value: 10 } }, size: 5, sizes: [5, 5], total: 10, unknown: 0 },
    { name: 'a filter matching nobody', audience: { filter: { attribute: 'n', op: 'gt', value: 100 } }, size: 5, sizes: [], total: 0, unknown: 0 },
    { name: 'ids with repeats and unknowns, pages of 4', audience: { customer_ids: ['k1', 'k2', 'x1', 'k1', 'k3', 'k4', 'x2', 'k22'] }, size: 4, sizes: [4, 1, 2], total: 5, unknown: 2 },
    { name: 'a long list is read in customer order, its unknown ids counted at the end', audience: { customer_ids: ['k9', 'k10', 'k2', 'k11', 'k3', 'zz', 'k1'] }, size: 4, sizes: [4, 2, 1], total: 6, unknown: 1, order: ['k1', 'k2', 'k3', 'k9', 'k10', 'k11'] },
    { name: 'a long list whose last page is full: the unknown ids come alone', audience: { customer_ids: ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'nobody'] }, size: 4, sizes: [4, 4, 1], total: 8, unknown: 1 },
    { name: 'a long list naming nobody', audience: { customer_ids: ['a', 'b', 'c', 'd', 'e', 'f'] }, size: 4, sizes: [6], total: 0, unknown: 6 },
    { name: 'a short list is read in list order', audience: { customer_ids: ['k9', 'x1', 'k10'] }, size: 2, sizes: [2, 1], total: 2, unknown: 1, order: ['k10', 'k9'] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const chunks = await chunksOf(c.audience, c.size);
      if (backend.kind === 'sqlite') assert.deepEqual(chunks.map((x) => x.ids.length + x.unknown), c.sizes);
      const ids = chunks.flatMap((x) => x.ids);
      assert.equal(new Set(ids).size, ids.length, 'nobody twice');
      assert.equal(ids.length, c.total);
      assert.equal(chunks.reduce((s, x) => s + x.unknown, 0), c.unknown);
      assert.ok(chunks.every((x) => x.inTransaction), 'every chunk inside a transaction');
      if (c.order) assert.deepEqual(ids, c.order);
    });
    // Side by side: the same customers, each once, whatever the cut; only the order may change.
    for (const lanes of [2, 3, 30]) {
      test(`${c.name}, in ${lanes} lanes`, async () => {
        const chunks = await chunksOf(c.audience, c.size, c.size * 2, lanes);
        const ids = chunks.flatMap((x) => x.ids);
        assert.equal(new Set(ids).size, ids.length, 'nobody twice');
        assert.equal(ids.length, c.total);
        assert.equal(chunks.reduce((s, x) => s + x.unknown, 0), c.unknown);
        assert.ok(chunks.every((x) => x.inTransaction), 'every chunk inside a transaction');
        // A page at most; the unknown ids of a list read in customer order come alone, at the end.
        assert.ok(chunks.every((x) => x.ids.length + x.unknown <= c.size || x.ids.length === 0), 'a page at most');
        if (c.order) assert.deepEqual([...ids].sort(), [...c.order].sort());
      });
    }
  }

  test('a lane that fails stops the others, and its error is thrown once all have stopped', async () => {
    const prepared = await prepareAudience(store.db, 'prj_1', 'sms', { filter: { attribute: 'n', op: 'exists' } });
    await campaignStore.insert(store.db, campaignRow('cmp_fail', 'prj_1', { audience: prepared.definition }));
    const campaign = (await campaignStore.find(store.db, 'prj_1', 'cmp_fail'))!;
    let calls = 0;
    let running = 0;
    let leftRunning = -1;
    const walk = eachAudienceChunk(
      store.db,
      campaign,
      async (_trx, c) => {
        calls++;
        running++;
        try {
          await new Promise((r) => setTimeout(r, 5));
          if (c.customers.some((x) => x.customer_id === 'k20')) throw new Error('boom');
        } finally {
          running--;
        }
      },
      undefined,
      undefined,
      { perTransaction: 1, perPage: 1 },
      2,
    ).finally(() => (leftRunning = running));
    await assert.rejects(walk, /boom/);
    assert.equal(leftRunning, 0, 'no lane still at work when the error is thrown');
    assert.ok(calls < 23, `stopped early (${calls} pages of 23)`);
  });

  test('a walk stops at the first transaction goesOn refuses, and says so', async () => {
    const prepared = await prepareAudience(store.db, 'prj_1', 'sms', { filter: { attribute: 'n', op: 'exists' } });
    await campaignStore.insert(store.db, campaignRow('cmp_stop', 'prj_1', { audience: prepared.definition }));
    const campaign = (await campaignStore.find(store.db, 'prj_1', 'cmp_stop'))!;
    let checks = 0;
    const seen: string[] = [];
    const stopped = await eachAudienceChunk(
      store.db,
      campaign,
      async (_trx, c) => void seen.push(...c.customers.map((x) => x.customer_id)),
      undefined,
      async () => ++checks <= 2,
      { perTransaction: 5, perPage: 5 },
    );
    assert.equal(stopped, true);
    assert.equal(seen.length, 10, 'two transactions of five');
    const whole = await eachAudienceChunk(store.db, campaign, async () => {}, undefined, undefined, { perTransaction: 5, perPage: 5 });
    assert.equal(whole, false);
  });
});
