import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { integrationRow, messageRow, projectRow, seedMessages } from './fixtures.js';
import { inTransaction } from './db.js';
import * as integrationStore from './integrations.js';
import * as projectStore from './projects.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`integration store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await projectStore.insert(store.db, projectRow('prj_2'));
    await integrationStore.insert(store.db, integrationRow('int_b', 'prj_1'));
    await integrationStore.insert(store.db, integrationRow('int_a', 'prj_1', { provider: 'twilio', rate_limit: null }));
    await integrationStore.insert(store.db, integrationRow('int_gone', 'prj_1', { deleted_at: 1500 }));
    await integrationStore.insert(store.db, integrationRow('int_other', 'prj_2'));
  });
  after(() => store.close());

  test('a row round-trips, a null rate limit included', async () => {
    assert.deepEqual(await integrationStore.findAny(store.db, 'int_a'), integrationRow('int_a', 'prj_1', { provider: 'twilio', rate_limit: null }));
  });

  test('an integration of an unknown project is refused', async () => {
    await assert.rejects(integrationStore.insert(store.db, integrationRow('int_orphan', 'prj_nope')));
  });

  const finds: { name: string; project: string; id: string; find: boolean; findAny: boolean }[] = [
    { name: 'a live integration of the project', project: 'prj_1', id: 'int_a', find: true, findAny: true },
    { name: "another project's integration", project: 'prj_1', id: 'int_other', find: false, findAny: true },
    { name: 'a removed integration', project: 'prj_1', id: 'int_gone', find: false, findAny: true },
    { name: 'an unknown id', project: 'prj_1', id: 'int_nope', find: false, findAny: false },
  ];
  for (const c of finds) {
    test(`find and findAny: ${c.name}`, async () => {
      assert.equal((await integrationStore.find(store.db, c.project, c.id))?.id, c.find ? c.id : undefined);
      assert.equal((await integrationStore.findAny(store.db, c.id))?.id, c.findAny ? c.id : undefined);
    });
  }

  test("list: a project's live integrations in id order", async () => {
    assert.deepEqual((await integrationStore.list(store.db, 'prj_1')).map((r) => r.id), ['int_a', 'int_b']);
    assert.deepEqual((await integrationStore.list(store.db, 'prj_2')).map((r) => r.id), ['int_other']);
    assert.deepEqual(await integrationStore.list(store.db, 'prj_nope'), []);
  });

  test('listActiveIds: live integrations of every project', async () => {
    assert.deepEqual((await integrationStore.listActiveIds(store.db)).sort(), ['int_a', 'int_b', 'int_other']);
  });

  test('update sets the columns given and leaves the others', async () => {
    const before = (await integrationStore.findAny(store.db, 'int_b'))!;
    const patch = { name: 'Renamed', config: '{"x":1}', rate_limit: null, max_concurrency: 4, updated_at: 2000 };
    await integrationStore.update(store.db, 'int_b', patch);
    assert.deepEqual(await integrationStore.findAny(store.db, 'int_b'), { ...before, ...patch });
  });

  test('recordVerify keeps a check only of the integration as it was checked, and leaves updated_at', async () => {
    await integrationStore.insert(store.db, integrationRow('int_v', 'prj_1', { updated_at: 2000 }));
    assert.equal(await integrationStore.recordVerify(store.db, 'int_v', 1999, 3000, '{"ok":true}'), false, 'changed since the check began');
    assert.equal((await integrationStore.findAny(store.db, 'int_v'))?.last_verified_at, null);
    assert.equal(await integrationStore.recordVerify(store.db, 'int_v', 2000, 3000, '{"ok":true}'), true);
    const row = await integrationStore.findAny(store.db, 'int_v');
    assert.deepEqual([row?.last_verified_at, row?.last_verify_result, row?.updated_at], [3000, '{"ok":true}', 2000]);
  });

  test('removal hides the integration and cancels only its queued messages, in one transaction', async () => {
    await integrationStore.insert(store.db, integrationRow('int_rm', 'prj_2'));
    await seedMessages(store.db, [
      messageRow('msg_q1', { integration_id: 'int_rm' }),
      messageRow('msg_q2', { integration_id: 'int_rm' }),
      messageRow('msg_sending', { integration_id: 'int_rm', dispatch_state: 'sending' }),
      messageRow('msg_done', { integration_id: 'int_rm', dispatch_state: 'done', status: 'delivered' }),
      messageRow('msg_elsewhere', { integration_id: 'int_other' }),
    ]);
    const cancelled = await inTransaction(store.db, async (trx) => {
      await integrationStore.softDelete(trx, 'int_rm', 3000);
      return integrationStore.cancelQueuedMessages(trx, 'int_rm', 3000);
    });
    assert.equal(cancelled, 2);
    assert.equal(await integrationStore.find(store.db, 'prj_2', 'int_rm'), undefined);
    const gone = await integrationStore.findAny(store.db, 'int_rm');
    assert.equal(gone?.deleted_at, 3000);
    assert.equal(gone?.updated_at, 3000);
    const states = await store.db.selectFrom('messages').select(['id', 'dispatch_state', 'updated_at']).orderBy('id').execute();
    assert.deepEqual(states, [
      { id: 'msg_done', dispatch_state: 'done', updated_at: 1000 },
      { id: 'msg_elsewhere', dispatch_state: 'queued', updated_at: 1000 },
      { id: 'msg_q1', dispatch_state: 'cancelled', updated_at: 3000 },
      { id: 'msg_q2', dispatch_state: 'cancelled', updated_at: 3000 },
      { id: 'msg_sending', dispatch_state: 'sending', updated_at: 1000 },
    ]);
    assert.equal(await integrationStore.cancelQueuedMessages(store.db, 'int_rm', 4000), 0);
  });

  test('a failed removal transaction leaves the integration and its messages as they were', async () => {
    await integrationStore.insert(store.db, integrationRow('int_keep', 'prj_2'));
    await seedMessages(store.db, [messageRow('msg_keep', { integration_id: 'int_keep' })]);
    await assert.rejects(
      inTransaction(store.db, async (trx) => {
        await integrationStore.softDelete(trx, 'int_keep', 5000);
        await integrationStore.cancelQueuedMessages(trx, 'int_keep', 5000);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await integrationStore.find(store.db, 'prj_2', 'int_keep'))?.deleted_at, null);
    assert.equal(await integrationStore.cancelQueuedMessages(store.db, 'int_keep', 6000), 1, 'still queued after the rollback');
  });
});
