import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { customerRow, messageRow, projectRow, seedMessages } from './fixtures.js';
import { inTransaction } from './db.js';
import * as customerStore from './customers.js';
import * as linkStore from './links.js';
import * as projectStore from './projects.js';
import type { LinksTable } from './schema.js';
import { storeBackends, type TestStore } from './testing.js';

function link(code: string, messageId: string, url = `https://example.com/${code}`): LinksTable {
  return { code, project_id: 'prj_1', message_id: messageId, url, created_at: 1000 };
}

for (const backend of await storeBackends()) describe(`link store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await seedMessages(store.db, [
      messageRow('msg_1', { campaign_id: 'cmp_1', message_type: 'campaign', sent_at_us: 1_500_000, provider_message_id: 'prov_1', sender: 'ACME' }),
      messageRow('msg_2'),
    ]);
  });
  after(() => store.close());

  test('links round-trip and each code names its message', async () => {
    const links = [link('aaa', 'msg_1'), link('bbb', 'msg_1'), link('ccc', 'msg_2')];
    assert.equal(await inTransaction(store.db, (trx) => linkStore.insertMany(trx, links)), 3);
    assert.deepEqual(await linkStore.find(store.db, 'bbb'), links[1]);
    assert.equal(await linkStore.find(store.db, 'zzz'), undefined);
    assert.deepEqual(
      (await linkStore.ownersOf(store.db, ['ccc', 'aaa', 'nope'])).sort((a, b) => a.code.localeCompare(b.code)),
      [{ code: 'aaa', message_id: 'msg_1' }, { code: 'ccc', message_id: 'msg_2' }],
    );
    assert.deepEqual(await linkStore.ownersOf(store.db, []), []);
  });

  test('a taken code is skipped, not overwritten, and the count says so', async () => {
    const n = await inTransaction(store.db, (trx) => linkStore.insertMany(trx, [link('aaa', 'msg_2', 'https://other.example'), link('ddd', 'msg_2')]));
    assert.equal(n, 1);
    assert.deepEqual(await linkStore.find(store.db, 'aaa'), link('aaa', 'msg_1'));
    assert.equal((await linkStore.find(store.db, 'ddd'))?.message_id, 'msg_2');
  });

  const sizes = [0, 1, 500, 501, 1234];
  for (const size of sizes) {
    test(`${size} links are stored in batches, all of them`, async () => {
      const links = Array.from({ length: size }, (_, i) => link(`n${size}_${i}`, 'msg_2'));
      assert.equal(await inTransaction(store.db, (trx) => linkStore.insertMany(trx, links)), size);
      assert.equal((await linkStore.ownersOf(store.db, links.map((l) => l.code))).length, size);
    });
  }

  test('a failed insert takes back all of its batches but not the rest of the transaction', async () => {
    const links = Array.from({ length: 600 }, (_, i) => link(`f_${i}`, 'msg_2'));
    // The last one, in the second batch, breaks a NOT NULL constraint.
    links[599] = { ...links[599]!, url: null as unknown as string };
    await inTransaction(store.db, async (trx) => {
      await customerStore.insert(trx, customerRow('cus_before', 'prj_1'));
      await assert.rejects(linkStore.insertMany(trx, links));
      await customerStore.insert(trx, customerRow('cus_after', 'prj_1'));
    });
    assert.deepEqual(await linkStore.ownersOf(store.db, links.map((l) => l.code)), []);
    assert.ok(await customerStore.find(store.db, 'prj_1', 'ext_cus_before'));
    assert.ok(await customerStore.find(store.db, 'prj_1', 'ext_cus_after'));
  });

  const targets: { name: string; id: string; want: linkStore.ClickTarget | undefined }[] = [
    {
      name: 'a campaign message, with what the click event reports',
      id: 'msg_1',
      want: {
        id: 'msg_1',
        project_id: 'prj_1',
        customer_ref: 'cus_1',
        customer_id: 'ext_cus_1',
        campaign_id: 'cmp_1',
        message_type: 'campaign',
        channel: 'sms',
        recipient: '+12025550100',
        sender: 'ACME',
        sent_at_us: 1_500_000,
        parts: 1,
        integration_id: 'int_1',
        provider_message_id: 'prov_1',
      },
    },
    { name: 'a message that is gone', id: 'msg_gone', want: undefined },
  ];
  for (const c of targets) {
    test(`findClickTarget: ${c.name}`, async () => {
      assert.deepEqual(await linkStore.findClickTarget(store.db, c.id), c.want);
    });
  }
});
