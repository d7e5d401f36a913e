import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { campaignRow, messageRow, projectRow, seedMessages } from './fixtures.js';
import * as campaignStore from './campaigns.js';
import * as projectStore from './projects.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`campaign store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await projectStore.insert(store.db, projectRow('prj_2'));
    const rows = [
      campaignRow('cmp_b', 'prj_1', { audience: '{"kind":"filter","filter":{"consent":"opted_in"}}', audience_size: 3, content: '{"text":"hi"}', media: '["https://x/y.png"]', track_links: 1 }),
      campaignRow('cmp_a', 'prj_1', { state: 'launching', launched_at: 1500 }),
      campaignRow('cmp_c', 'prj_1', { state: 'launched', launched_at: 1600, launch_summary: '{"queued":1}' }),
      campaignRow('cmp_other', 'prj_2', { state: 'launching' }),
    ];
    for (const r of rows) await campaignStore.insert(store.db, r);
  });
  after(() => store.close());

  test('a row round-trips, audience and JSON columns included', async () => {
    assert.deepEqual(
      await campaignStore.find(store.db, 'prj_1', 'cmp_b'),
      campaignRow('cmp_b', 'prj_1', { audience: '{"kind":"filter","filter":{"consent":"opted_in"}}', audience_size: 3, content: '{"text":"hi"}', media: '["https://x/y.png"]', track_links: 1 }),
    );
  });

  test('a summary is the whole row: the audience is only its definition now', async () => {
    assert.deepEqual(await campaignStore.findSummary(store.db, 'prj_1', 'cmp_b'), await campaignStore.find(store.db, 'prj_1', 'cmp_b'));
  });

  const finds: { name: string; project: string; id: string; found: boolean }[] = [
    { name: "the project's campaign", project: 'prj_1', id: 'cmp_a', found: true },
    { name: "another project's campaign", project: 'prj_1', id: 'cmp_other', found: false },
    { name: 'an unknown id', project: 'prj_1', id: 'cmp_nope', found: false },
  ];
  for (const c of finds) {
    test(`find and findSummary: ${c.name}`, async () => {
      assert.equal((await campaignStore.find(store.db, c.project, c.id))?.id, c.found ? c.id : undefined);
      assert.equal((await campaignStore.findSummary(store.db, c.project, c.id))?.id, c.found ? c.id : undefined);
    });
  }

  test("listSummaries: the project's campaigns in id order", async () => {
    const rows = await campaignStore.listSummaries(store.db, 'prj_1');
    assert.deepEqual(rows.map((r) => r.id), ['cmp_a', 'cmp_b', 'cmp_c']);
    assert.deepEqual(await campaignStore.listSummaries(store.db, 'prj_nope'), []);
  });

  test('listLaunching: half-launched campaigns of every project', async () => {
    const rows = await campaignStore.listLaunching(store.db);
    assert.deepEqual(rows.sort((a, b) => a.id.localeCompare(b.id)), [{ id: 'cmp_a', project_id: 'prj_1' }, { id: 'cmp_other', project_id: 'prj_2' }]);
  });

  const updates: { name: string; patch: campaignStore.CampaignPatch }[] = [
    { name: 'starts a launch', patch: { state: 'launching', integration_id: 'int_1', launched_at: 2000, updated_at: 2000 } },
    { name: 'finishes a launch', patch: { state: 'launched', launch_summary: '{"audience":3,"queued":2}', updated_at: 2100 } },
  ];
  for (const c of updates) {
    test(`update ${c.name}, other columns unchanged`, async () => {
      const before = (await campaignStore.find(store.db, 'prj_1', 'cmp_b'))!;
      await campaignStore.update(store.db, 'cmp_b', c.patch);
      assert.deepEqual(await campaignStore.find(store.db, 'prj_1', 'cmp_b'), { ...before, ...c.patch });
    });
  }

  test('countMessagesByStatus: per status, apart by whether reports are expected and whether cancelled, this campaign only', async () => {
    await seedMessages(store.db, [
      messageRow('m1', { campaign_id: 'cmp_c', customer_ref: 'c1', status: 'delivered' }),
      messageRow('m2', { campaign_id: 'cmp_c', customer_ref: 'c2', status: 'delivered' }),
      messageRow('m3', { campaign_id: 'cmp_c', customer_ref: 'c3', status: 'delivered', expects_reports: 0 }),
      messageRow('m4', { campaign_id: 'cmp_c', customer_ref: 'c4', status: 'pending' }),
      messageRow('m7', { campaign_id: 'cmp_c', customer_ref: 'c5', status: 'pending', dispatch_state: 'cancelled' }),
      messageRow('m8', { campaign_id: 'cmp_c', customer_ref: 'c6', status: 'pending', dispatch_state: 'paused' }),
      messageRow('m5', { campaign_id: 'cmp_a', customer_ref: 'c1', status: 'failed' }),
      messageRow('m6', { customer_ref: 'c1', status: 'delivered' }),
    ]);
    const key = (r: { status: string; expects_reports: number; cancelled: boolean }) => `${r.status}/${r.expects_reports}/${r.cancelled}`;
    const rows = (await campaignStore.countMessagesByStatus(store.db, 'cmp_c')).sort((a, b) => key(a).localeCompare(key(b)));
    assert.deepEqual(rows, [
      { status: 'delivered', expects_reports: 0, cancelled: false, n: 1 },
      { status: 'delivered', expects_reports: 1, cancelled: false, n: 2 },
      { status: 'pending', expects_reports: 1, cancelled: false, n: 2 },
      { status: 'pending', expects_reports: 1, cancelled: true, n: 1 },
    ]);
    assert.deepEqual(await campaignStore.countMessagesByStatus(store.db, 'cmp_b'), []);
  });

  test('a guarded transition moves only the version read, and only a due campaign', async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_g', 'prj_1', { state: 'scheduled', send_at: 5000, updated_at: 100 }));
    // Someone changed it since it was read at version 99: refused.
    assert.equal(await campaignStore.transition(store.db, 'cmp_g', ['scheduled'], { state: 'launching' }, { version: 99 }), false);
    // Not due yet at 4999 (an edit moved send_at later than the look-up saw).
    assert.equal(await campaignStore.transition(store.db, 'cmp_g', ['scheduled'], { state: 'launching' }, { dueBy: 4999 }), false);
    assert.equal(await campaignStore.stateOf(store.db, 'cmp_g'), 'scheduled');
    assert.equal(await campaignStore.transition(store.db, 'cmp_g', ['scheduled'], { state: 'launching' }, { version: 100, dueBy: 5000 }), true);
    assert.equal(await campaignStore.stateOf(store.db, 'cmp_g'), 'launching');
  });
});
