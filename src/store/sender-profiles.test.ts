import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { integrationRow, projectRow, senderProfileRow } from './fixtures.js';
import { inTransaction } from './db.js';
import * as integrationStore from './integrations.js';
import * as projectStore from './projects.js';
import * as senderProfileStore from './sender-profiles.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`sender profile store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await projectStore.insert(store.db, projectRow('prj_2'));
    await integrationStore.insert(store.db, integrationRow('int_1', 'prj_1'));
    await integrationStore.insert(store.db, integrationRow('int_2', 'prj_2'));
    const rows = [
      senderProfileRow('snd_b', 'prj_1', 'int_1', { sender: '+12025550100', is_default: 1 }),
      senderProfileRow('snd_a', 'prj_1', 'int_1', { sender: 'ACME' }),
      senderProfileRow('snd_wa', 'prj_1', 'int_1', { channel: 'whatsapp', is_default: 1 }),
      senderProfileRow('snd_gone', 'prj_1', 'int_1', { channel: 'rcs', is_default: 1, deleted_at: 1500 }),
      senderProfileRow('snd_other', 'prj_2', 'int_2', { is_default: 1 }),
    ];
    for (const r of rows) await senderProfileStore.insert(store.db, r);
  });
  after(() => store.close());

  test('a row round-trips', async () => {
    assert.deepEqual(await senderProfileStore.find(store.db, 'prj_1', 'snd_a'), senderProfileRow('snd_a', 'prj_1', 'int_1', { sender: 'ACME' }));
  });

  test('a profile on an unknown integration is refused', async () => {
    await assert.rejects(senderProfileStore.insert(store.db, senderProfileRow('snd_bad', 'prj_1', 'int_nope')));
  });

  const finds: { name: string; project: string; id: string; found: boolean }[] = [
    { name: 'a live profile of the project', project: 'prj_1', id: 'snd_a', found: true },
    { name: "another project's profile", project: 'prj_1', id: 'snd_other', found: false },
    { name: 'a removed profile', project: 'prj_1', id: 'snd_gone', found: false },
    { name: 'an unknown id', project: 'prj_1', id: 'snd_nope', found: false },
  ];
  for (const c of finds) {
    test(`find: ${c.name}`, async () => {
      assert.equal((await senderProfileStore.find(store.db, c.project, c.id))?.id, c.found ? c.id : undefined);
    });
  }

  test("list: a project's live profiles in id order", async () => {
    assert.deepEqual((await senderProfileStore.list(store.db, 'prj_1')).map((p) => p.id), ['snd_a', 'snd_b', 'snd_wa']);
  });

  const defaults: { name: string; project: string; channel: 'sms' | 'mms' | 'whatsapp' | 'rcs'; want: string | undefined }[] = [
    { name: "the channel's default", project: 'prj_1', channel: 'sms', want: 'snd_b' },
    { name: 'per channel', project: 'prj_1', channel: 'whatsapp', want: 'snd_wa' },
    { name: 'not a removed default', project: 'prj_1', channel: 'rcs', want: undefined },
    { name: 'none for a channel without profiles', project: 'prj_1', channel: 'mms', want: undefined },
    { name: 'per project', project: 'prj_2', channel: 'sms', want: 'snd_other' },
  ];
  for (const c of defaults) {
    test(`findDefault: ${c.name}`, async () => {
      assert.equal((await senderProfileStore.findDefault(store.db, c.project, c.channel))?.id, c.want);
    });
  }

  test("making another profile the default: clearDefault touches only the project's channel", async () => {
    await inTransaction(store.db, async (trx) => {
      await senderProfileStore.clearDefault(trx, 'prj_1', 'sms');
      await senderProfileStore.update(trx, 'snd_a', { is_default: 1, updated_at: 2000 });
    });
    assert.equal((await senderProfileStore.findDefault(store.db, 'prj_1', 'sms'))?.id, 'snd_a');
    assert.equal((await senderProfileStore.find(store.db, 'prj_1', 'snd_b'))?.is_default, 0);
    assert.equal((await senderProfileStore.findDefault(store.db, 'prj_1', 'whatsapp'))?.id, 'snd_wa');
    assert.equal((await senderProfileStore.findDefault(store.db, 'prj_2', 'sms'))?.id, 'snd_other');
  });

  test('update sets the columns given and leaves the others', async () => {
    const before = (await senderProfileStore.find(store.db, 'prj_1', 'snd_b'))!;
    const patch = { name: 'Renamed', sender: null, updated_at: 3000 };
    await senderProfileStore.update(store.db, 'snd_b', patch);
    assert.deepEqual(await senderProfileStore.find(store.db, 'prj_1', 'snd_b'), { ...before, ...patch });
  });

  test('a removed default is no longer found, listed, or the default', async () => {
    await senderProfileStore.softDelete(store.db, 'snd_wa', 4000);
    assert.equal(await senderProfileStore.find(store.db, 'prj_1', 'snd_wa'), undefined);
    assert.equal(await senderProfileStore.findDefault(store.db, 'prj_1', 'whatsapp'), undefined);
    assert.deepEqual((await senderProfileStore.list(store.db, 'prj_1')).map((p) => p.id), ['snd_a', 'snd_b']);
    const row = await store.db.selectFrom('sender_profiles').select(['deleted_at', 'is_default']).where('id', '=', 'snd_wa').executeTakeFirst();
    assert.deepEqual(row, { deleted_at: 4000, is_default: 0 });
  });
});
